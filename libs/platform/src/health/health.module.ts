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
import { readOnScrape, serviceReady } from '../metrics/metrics';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { OpsServer } from './ops-server';

const OPS_ADDRESS = Symbol('OpsAddress');

/**
 * Opens the ops listener (`/metrics`, `/health/*`) with the app and closes it after every other shutdown hook; while
 * open, each scrape reads the service's readiness into payment_ledger_ready.
 */
@Injectable()
export class OpsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly server: OpsServer;
  private stopReadingReadiness?: () => void;

  constructor(
    private readonly health: HealthService,
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
    this.stopReadingReadiness = readOnScrape(serviceReady, async () => [
      { labels: {}, value: (await this.health.ready()).status === 'ok' ? 1 : 0 },
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopReadingReadiness?.();
    await this.server.close();
  }
}

/**
 * The one health (and metrics) module of every service: each gets an ops listener on its host and ops port
 * (OpsServer: `/metrics`, `/health/live`, `/health/ready`). `forHttp(opsAddress)`, for an HTTP app (gateway, sandbox
 * page): also `/health/live` and `/health/ready` as routes of the app itself (its requests are counted by route and
 * status by its access log's hook, logging/access-log.ts); `/metrics` stays off the public port. `forOpsPort(address)`: an RPC service's (createRpcService
 * adds it). What readiness checks: HealthService.
 *
 * Not `@nestjs/terminus`, by decision (docs/operations.md, "Health"): no new dependency for what is a few dozen lines;
 * the answer is one flat `{ status, checks }` where a check may be reported without being critical (a callee down must
 * not make its callers unready), which terminus's `{ status, info, error, details }` cannot say, as any failing
 * indicator fails its probe; and the RPC services have no Nest HTTP app for terminus's controller, so their probes are
 * served by the ops listener. Terminus would add ready-made indicators (database, HTTP and microservice pings, disk and
 * memory) and a shutdown delay; the database ping is a `SELECT 1` here, Kafka's state comes from its clients' events,
 * and the bootstrap drains on SIGTERM. Switching would change only this folder, keeping the answer's shape.
 */
@Module({})
export class HealthModule {
  static forHttp(opsAddress: { host: string; port: number }): DynamicModule {
    return {
      module: HealthModule,
      imports: [DiscoveryModule],
      controllers: [HealthController],
      providers: [HealthService, { provide: OPS_ADDRESS, useValue: opsAddress }, OpsListener],
      exports: [HealthService, OpsListener],
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
