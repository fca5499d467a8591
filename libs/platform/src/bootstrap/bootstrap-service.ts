import { type DynamicModule, type INestApplication, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { type ConfigOf, type ConfigSchema, loadConfig } from '../config/config';
import { JsonLogger, type LogLevel } from '../logging/json-logger';
import { HealthModule, OpsListener } from '../health/health.module';
import { HealthService } from '../health/health.service';
import { opsAddress, serviceAddress, type ServiceName } from './service-registry';

/**
 * How a TCP service's server is built: the RPC kit (@payment-ledger/rpc `rpcServer`) supplies the transport options
 * (listen address, frame limit, command authentication) and what it sets on the app (the tenant guard).
 */
export interface RpcServerKit {
  serverOptions(name: ServiceName, config: object, logger: JsonLogger): MicroserviceOptions;
  configure(app: INestMicroservice, logger: JsonLogger): void;
}

export type ServiceDefinition<S extends ConfigSchema> =
  | {
      name: ServiceName;
      configSchema: S;
      /** A request/response service: its module graph, served by the RPC kit. */
      module: (config: ConfigOf<S>) => DynamicModule;
      rpc: RpcServerKit;
    }
  | {
      name: ServiceName;
      configSchema: S;
      /** An HTTP service: the app, built but not listening. */
      createApp: (config: ConfigOf<S>) => Promise<INestApplication>;
    };

function logLevelOf(config: object): LogLevel {
  return ((config as { LOG_LEVEL?: LogLevel }).LOG_LEVEL ?? 'info') as LogLevel;
}

/** The root of an RPC service: its own module graph and the health module on its ops port. */
@Module({})
class RpcServiceRoot {}

/**
 * Builds a TCP service (used by bootstrapService and by tests that run services in-process); not yet listening.
 * `listen()` also opens its ops listener (`/health/live`, `/health/ready`) on its host and ops port (registry
 * `opsPort`; `app.get(OpsListener).port` says which when the config gives 0). From the moment `close()` is called
 * (or SIGTERM arrives) readiness answers 503.
 */
export async function createRpcService(
  name: ServiceName,
  module: DynamicModule,
  config: object,
  rpc: RpcServerKit,
): Promise<INestMicroservice> {
  const bootLogger = new JsonLogger(name, logLevelOf(config));
  const ops = opsAddress(name, config) ?? { ...serviceAddress(name, config), port: 0 };
  const root: DynamicModule = { module: RpcServiceRoot, imports: [module, HealthModule.forOpsPort(ops)] };
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
    ...rpc.serverOptions(name, config, bootLogger),
    bufferLogs: true,
  });
  const logger = app.get(JsonLogger, { strict: false }) ?? bootLogger;
  app.useLogger(logger);
  rpc.configure(app, logger);
  app.enableShutdownHooks();
  // A microservice closes its TCP server before any shutdown hook runs: say "draining" before that.
  const close = app.close.bind(app);
  app.close = async () => {
    app.get(HealthService).startDraining();
    return close();
  };
  return app;
}

/**
 * What every main.ts does: load and validate the config, build the app (TCP services through the RPC kit, HTTP ones
 * through their createApp), JSON logger, shutdown hooks, listen where the service registry says, log
 * `<name>.listening`; a failure to start is logged as `<name>.start_failed` (the same JSON line shape, before the
 * app's logger exists: a config error names the bad variables) and ends the process.
 */
export function bootstrapService<S extends ConfigSchema>(definition: ServiceDefinition<S>): void {
  const { name } = definition;
  const start = async (): Promise<void> => {
    const config = loadConfig(definition.configSchema);
    const { host, port } = serviceAddress(name, config);
    if ('rpc' in definition) {
      const app = await createRpcService(name, definition.module(config), config, definition.rpc);
      await app.listen();
      app.get(JsonLogger, { strict: false }).event('info', `${name}.listening`, {
        host,
        port,
        transport: 'tcp',
        opsPort: app.get(OpsListener).port,
      });
    } else {
      const app = await definition.createApp(config);
      await app.listen(port, host);
      app.get(JsonLogger, { strict: false }).event('info', `${name}.listening`, { url: await app.getUrl() });
    }
  };
  start().catch((error: unknown) => {
    new JsonLogger(name).event('error', `${name}.start_failed`, { error });
    process.exit(1);
  });
}
