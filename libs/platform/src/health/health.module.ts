import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { JsonLogger } from '../logging/json-logger';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { OpsServer } from './ops-server';

const OPS_ADDRESS = Symbol('OpsAddress');

/** Opens the ops listener with the app and closes it after every other shutdown hook. */
@Injectable()
export class OpsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly server: OpsServer;

  constructor(
    health: HealthService,
    @Inject(OPS_ADDRESS) address: { host: string; port: number },
    @Optional() logger?: JsonLogger,
  ) {
    this.server = new OpsServer(health, address, logger);
  }

  /** The port it listens on. */
  get port(): number {
    return this.server.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }
}

/**
 * The one health module of every service. `forHttp()`: `/health/live` and `/health/ready` as routes of an HTTP
 * app (gateway, sandbox page). `forOpsPort(address)`: the same answers on an HTTP listener of their own, for an RPC
 * service (createRpcService adds it, on the service's host and ops port). What readiness checks: HealthService.
 */
@Module({})
export class HealthModule {
  static forHttp(): DynamicModule {
    return {
      module: HealthModule,
      imports: [DiscoveryModule],
      controllers: [HealthController],
      providers: [HealthService],
      exports: [HealthService],
    };
  }

  static forOpsPort(address: { host: string; port: number }): DynamicModule {
    return {
      module: HealthModule,
      imports: [DiscoveryModule],
      providers: [HealthService, { provide: OPS_ADDRESS, useValue: address }, OpsListener],
      exports: [HealthService, OpsListener],
    };
  }
}
