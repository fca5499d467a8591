import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonLogger } from '../logging/json-logger';
import { METRICS_CONTENT_TYPE, metricsText, startDefaultMetrics } from '../metrics/metrics';
import type { HealthService } from './health.service';
import type { HealthAnswer } from './readiness';

/**
 * A service's operations listener: plain HTTP on its ops port (service registry `opsPort`), answering
 * `/health/live`, `/health/ready` and `/metrics` (Prometheus, the process's one registry: metrics/metrics.ts). Every
 * service has one. An HTTP service (the gateway, the sandbox page) also answers its probes on its public port, but
 * serves `/metrics` only here: its public port is what its Ingress exposes, and the metrics (routes, consumers,
 * lags) are for the cluster's Prometheus, which the NetworkPolicies let reach this port alone. It opens when the app
 * starts and closes last, after every shutdown hook, so probes see the service draining (503) until it is gone.
 */
export class OpsServer {
  private server?: Server;

  constructor(
    private readonly health: HealthService,
    private readonly address: { host: string; port: number },
    private readonly logger?: JsonLogger,
  ) {}

  /** The port it listens on (port 0 in the config: the one the system chose). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async listen(): Promise<void> {
    if (this.server) return;
    startDefaultMetrics();
    const server = createServer((request, response) => {
      const reply = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
        response.end(JSON.stringify(body));
      };
      const path = (request.url ?? '/').split('?')[0];
      if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405, { status: 'method_not_allowed' });
      if (path === '/health/live') return reply(200, this.health.live());
      if (path === '/metrics') {
        metricsText().then(
          (text) => {
            response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'cache-control': 'no-store' });
            response.end(text);
          },
          () => reply(500, { status: 'metrics_failed' }),
        );
        return;
      }
      if (path === '/health/ready') {
        this.health.ready().then(
          (answer: HealthAnswer) => reply(answer.status === 'ok' ? 200 : 503, answer),
          () => reply(503, { status: 'unavailable', checks: {} }),
        );
        return;
      }
      reply(404, { status: 'not_found' });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.address.port, this.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger?.event('info', 'ops.listening', { host: this.address.host, port: this.port });
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
