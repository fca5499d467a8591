import { type DynamicModule, type INestApplication, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import { type ConfigOf, type ConfigSchema, loadConfig } from '../config/config';
import { JsonLogger, type LogLevel, type LogSink } from '../logging/json-logger';
import { HealthModule, OpsListener } from '../health/health.module';
import { HealthService } from '../health/health.service';
import { InFlightWork } from './in-flight-work';
import { opsAddress, serviceAddress, type ServiceName } from './service-registry';

/**
 * How a TCP service's server is built: the RPC kit (@payment-ledger/rpc `rpcServer`) supplies the transport options
 * (listen address, frame limit, command authentication) and what it sets on the app (the tenant guard).
 */
export interface RpcServerKit {
  /** `work`: what the server counts its commands in, and refuses new ones through once shutdown drains it. */
  serverOptions(name: ServiceName, config: object, logger: JsonLogger, work: InFlightWork): MicroserviceOptions;
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

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

function shutdownTimeoutOf(config: object): number {
  return (config as { SHUTDOWN_TIMEOUT_MS?: number }).SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
}

/**
 * The part of the shutdown deadline the commands already accepted may take to finish; the rest is for what comes
 * after them (consumers' offsets, the relay's flush, the pools).
 */
const DRAIN_SHARE = 2 / 3;

/** The root of an RPC service: its own module graph and the health module on its ops port. */
@Module({})
class RpcServiceRoot {}

/**
 * Builds a TCP service (used by bootstrapService and by tests that run services in-process); not yet listening.
 * `listen()` also opens its ops listener (`/metrics`, `/health/live`, `/health/ready`) on its host and ops port
 * (registry `opsPort`; `app.get(OpsListener).port` says which when the config gives 0).
 *
 * `close()` drains before it closes: readiness answers 503, commands that arrive are refused unexecuted
 * (`service_draining`: the caller's RPC client retries them, on another replica once this one's connections end),
 * each connection ends once the commands it brought have been answered, and only when every accepted command has
 * finished (or two thirds of SHUTDOWN_TIMEOUT_MS passed) does the server close and the shutdown hooks run (consumers,
 * relay, pools). Nest's own close would destroy the open sockets at once, losing the answers of commands in flight.
 */
export async function createRpcService(
  name: ServiceName,
  module: DynamicModule,
  config: object,
  rpc: RpcServerKit,
  /** Where the server's own lines (refused commands, frames) go; the module's logger has its own (ServiceModuleOptions). */
  options: { logSink?: LogSink } = {},
): Promise<INestMicroservice> {
  const bootLogger = new JsonLogger(name, logLevelOf(config), options.logSink);
  const root: DynamicModule = {
    module: RpcServiceRoot,
    imports: [module, HealthModule.forOpsPort(opsAddress(name, config))],
  };
  const work = new InFlightWork();
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(root, {
    ...rpc.serverOptions(name, config, bootLogger, work),
    bufferLogs: true,
  });
  const logger = app.get(JsonLogger, { strict: false }) ?? bootLogger;
  app.useLogger(logger);
  rpc.configure(app, logger);
  let closing: Promise<void> | undefined;
  const drainThenClose = () =>
    (closing ??= (async () => {
      app.get(HealthService).startDraining();
      const inFlight = work.size;
      const drained = await work.drain(shutdownTimeoutOf(config) * DRAIN_SHARE);
      logger.event(drained ? 'info' : 'warn', `${name}.drained`, { inFlight, unfinished: work.size });
      await NestMicroservice.prototype.close.call(app);
    })());
  // The app is Nest's proxy, whose `set` ignores assignments: define the property on what it wraps.
  Object.defineProperty(app, 'close', { value: drainThenClose, configurable: true, writable: true });
  return app;
}

/**
 * On SIGTERM or SIGINT: close the app (which drains first: createRpcService; an HTTP app stops accepting connections,
 * tells keep-alive clients to reconnect and finishes the requests it has) and exit 0, or exit 1 when that takes longer
 * than SHUTDOWN_TIMEOUT_MS. A second signal while stopping changes nothing.
 */
export function exitOnShutdownSignal(
  name: ServiceName,
  app: { close(): Promise<void> },
  logger: JsonLogger,
  timeoutMs: number,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.event('info', `${name}.stopping`, { signal, timeoutMs });
    const deadline = setTimeout(() => {
      logger.event('error', `${name}.shutdown_deadline_exceeded`, { timeoutMs });
      process.exit(1);
    }, timeoutMs);
    app.close().then(
      () => {
        clearTimeout(deadline);
        logger.event('info', `${name}.stopped`, { ms: Date.now() - started });
        process.exit(0);
      },
      (error: unknown) => {
        clearTimeout(deadline);
        logger.event('error', `${name}.stop_failed`, { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

/**
 * What every main.ts does: load and validate the config, build the app (TCP services through the RPC kit, HTTP ones
 * through their createApp), JSON logger, graceful shutdown on SIGTERM (exitOnShutdownSignal), listen where the
 * service registry says, log `<name>.listening`; a failure to start is logged as `<name>.start_failed` (the same JSON
 * line shape, before the app's logger exists: a config error names the bad variables) and ends the process.
 */
export function bootstrapService<S extends ConfigSchema>(definition: ServiceDefinition<S>): void {
  const { name } = definition;
  const start = async (): Promise<void> => {
    const config = loadConfig(definition.configSchema);
    const { host, port } = serviceAddress(name, config);
    if ('rpc' in definition) {
      const app = await createRpcService(name, definition.module(config), config, definition.rpc);
      exitOnShutdownSignal(name, app, app.get(JsonLogger, { strict: false }), shutdownTimeoutOf(config));
      await app.listen();
      app.get(JsonLogger, { strict: false }).event('info', `${name}.listening`, {
        host,
        port,
        transport: 'tcp',
        opsPort: app.get(OpsListener).port,
      });
    } else {
      const app = await definition.createApp(config);
      exitOnShutdownSignal(name, app, app.get(JsonLogger, { strict: false }), shutdownTimeoutOf(config));
      await app.listen(port, host);
      app.get(JsonLogger, { strict: false }).event('info', `${name}.listening`, {
        url: await app.getUrl(),
        opsPort: app.get(OpsListener).port, // its /metrics (HealthModule.forHttp)
      });
    }
  };
  start().catch((error: unknown) => {
    new JsonLogger(name).event('error', `${name}.start_failed`, { error });
    process.exit(1);
  });
}
