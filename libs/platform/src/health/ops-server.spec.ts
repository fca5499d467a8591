import type { DiscoveryService } from '@nestjs/core';
import type { Pool } from 'pg';
import { metricCatalogue, readOnScrape, serviceReady } from '../metrics/metrics';
import { HealthService } from './health.service';
import { OpsServer } from './ops-server';
import { type HealthAnswer, type HealthChecks, READINESS_CHECK } from './readiness';

/** A HealthService over these readiness sources (as DiscoveryService would find them) and this pool. */
function healthOf(sources: (() => HealthChecks)[], pool?: Partial<Pool>): HealthService {
  const discovery = {
    getProviders: () => [
      { instance: undefined },
      ...sources.map((check) => ({ instance: { [READINESS_CHECK]: check } })),
    ],
  } as unknown as DiscoveryService;
  return new HealthService(discovery, pool as Pool | undefined);
}

async function withServer(health: HealthService, run: (base: string) => Promise<void>): Promise<void> {
  const server = new OpsServer(health, { host: '127.0.0.1', port: 0 });
  await server.listen();
  try {
    await run(`http://127.0.0.1:${server.port}`);
  } finally {
    await server.close();
  }
}

const get = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as HealthAnswer };
};

describe('the ops listener', () => {
  it('is live, ready when every critical check is up, whatever the non-critical ones say', async () => {
    const health = healthOf([() => ({ 'service:charges': { status: 'down', critical: false } })], {
      query: (() => Promise.resolve({ rows: [] })) as unknown as Pool['query'],
    });
    await withServer(health, async (base) => {
      expect(await get(`${base}/health/live`)).toEqual({ status: 200, body: { status: 'ok', checks: {} } });
      expect(await get(`${base}/health/ready`)).toEqual({
        status: 200,
        body: {
          status: 'ok',
          checks: {
            shutdown: { status: 'up', critical: true },
            database: { status: 'up', critical: true },
            'service:charges': { status: 'down', critical: false },
          },
        },
      });
      expect((await get(`${base}/metrics-not-yet`)).status).toBe(404);
    });
  });

  it('answers /metrics in the Prometheus text format: the catalogue, readiness and the process metrics', async () => {
    const health = healthOf([]);
    const stopReading = readOnScrape(serviceReady, async () => [
      { labels: {}, value: (await health.ready()).status === 'ok' ? 1 : 0 },
    ]);
    try {
      await withServer(health, async (base) => {
        const response = await fetch(`${base}/metrics`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const text = await response.text();
        for (const { name } of metricCatalogue()) expect(text).toContain(`# TYPE ${name} `);
        expect(text).toMatch(/^payment_ledger_ready 1$/m);
        expect(text).toMatch(/^process_cpu_user_seconds_total /m);
        expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
      });
    } finally {
      stopReading();
    }
  });

  it('counts a pool whose every connection is at work as a database that answers (no probe queued behind the work)', async () => {
    const health = healthOf([], {
      options: { max: 4 },
      totalCount: 4,
      idleCount: 0,
      waitingCount: 12,
      query: (() => new Promise(() => undefined)) as unknown as Pool['query'], // would never answer in time
    } as Partial<Pool>);
    const answer = await health.ready();
    expect(answer).toEqual({
      status: 'ok',
      checks: { shutdown: { status: 'up', critical: true }, database: { status: 'up', critical: true, busy: true } },
    });
  });

  it('is not ready when a critical check is down, its database fails, or it drains', async () => {
    const health = healthOf([() => ({ kafka: { status: 'down', critical: true } })], {
      query: (() => Promise.reject(new Error('connection refused'))) as unknown as Pool['query'],
    });
    await withServer(health, async (base) => {
      const { status, body } = await get(`${base}/health/ready`);
      expect(status).toBe(503);
      expect(body.status).toBe('unavailable');
      expect(body.checks.kafka).toEqual({ status: 'down', critical: true });
      expect(body.checks.database).toEqual({ status: 'down', critical: true }); // why: in the log, not the answer
    });
    const draining = healthOf([]);
    draining.onModuleDestroy();
    await withServer(draining, async (base) => {
      expect(await get(`${base}/health/ready`)).toEqual({
        status: 503,
        body: { status: 'unavailable', checks: { shutdown: { status: 'down', critical: true, draining: true } } },
      });
      expect((await get(`${base}/health/live`)).status).toBe(200);
    });
  });
});
