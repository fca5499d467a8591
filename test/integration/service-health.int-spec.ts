/**
 * Health probes of every service (issue 15): the RPC services answer `/health/live` and `/health/ready` on their ops
 * port, the gateway on its own port, all through the platform's HealthModule. Ready means: its database answers,
 * its Kafka clients are connected, it is not draining; the services it calls are reported, never required. A
 * service whose Kafka is down still starts, and says so.
 */
import { createServer, connect, type Server } from 'node:net';
import { type DynamicModule, type INestMicroservice, Injectable, Module } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import {
  createRpcService,
  type HealthAnswer,
  loadConfig,
  metricCatalogue,
  OpsListener,
} from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { chargesConfigSchema } from '../../apps/charges/src/charges.config';
import { ChargesModule } from '../../apps/charges/src/charges.module';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { sandboxConfigSchema } from '../../apps/sandbox/src/sandbox.config';
import { schedulerConfigSchema } from '../../apps/scheduler/src/scheduler.config';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module';
import { kafkaBrokers } from '../support/kafka';
import { freePort, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
const extra: INestMicroservice[] = [];

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
});
afterAll(async () => {
  for (const app of extra) await app.close().catch(() => undefined);
  await stack?.stop();
  await db?.drop();
});

async function probe(base: string, path: '/health/live' | '/health/ready') {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: (await response.json()) as HealthAnswer };
}

const opsUrl = (app: INestMicroservice) => `http://127.0.0.1:${app.get(OpsListener).port}`;

/** A charges service on its own ops port (0), with `env` over the stack's settings; closed after the suite. */
async function startCharges(env: Record<string, string>, extraModule?: DynamicModule): Promise<INestMicroservice> {
  const config = loadConfig(chargesConfigSchema, {
    ...stack.sharedEnv,
    CHARGES_TCP_PORT: String(await freePort()),
    ...env,
  });
  const module = ChargesModule.forRoot(config, { clock: stack.clock });
  const app = await createRpcService(
    'charges',
    extraModule ? { ...extraModule, imports: [module, ...(extraModule.imports ?? [])] } : module,
    config,
    rpcServer,
  );
  await app.listen();
  extra.push(app);
  return app;
}

describe('an RPC service', () => {
  it('is live and ready on its ops port: database and Kafka up, the services it calls listed', async () => {
    const services = { charges: stack.charges, agreements: stack.agreements, scheduler: stack.schedulers[0] };
    const callees = { charges: [], agreements: ['charges'], scheduler: ['agreements'] };
    for (const [name, app] of Object.entries(services)) {
      const base = opsUrl(app);
      expect(app.get(OpsListener).port).toBeGreaterThan(0);
      expect(await probe(base, '/health/live')).toEqual({ status: 200, body: { status: 'ok', checks: {} } });
      // A consumer is connected once it has joined its group, which may follow the start by a moment.
      let last: unknown;
      await waitFor(
        `${name} ready`,
        async () => {
          const answer = await probe(base, '/health/ready');
          last = answer.body;
          return answer.status === 200;
        },
        15_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${JSON.stringify(last)}`);
      });
      const { body } = await probe(base, '/health/ready');
      expect(body.status).toBe('ok');
      expect(body.checks.database).toEqual({ status: 'up', critical: true });
      expect(body.checks.kafka).toMatchObject({ status: 'up', critical: true });
      expect(body.checks.shutdown).toEqual({ status: 'up', critical: true });
      const listed = Object.keys(body.checks)
        .filter((check) => check.startsWith('service:'))
        .map((check) => check.slice('service:'.length));
      expect(listed).toEqual(callees[name as keyof typeof callees]);
      for (const callee of listed) {
        expect(body.checks[`service:${callee}`]).toMatchObject({ status: 'up', critical: false });
      }
    }
  });

  it('stays ready when a service it calls is down, and reports it', async () => {
    const closed = await freePort();
    const config = loadConfig(schedulerConfigSchema, {
      ...stack.sharedEnv,
      SCHEDULER_TCP_PORT: String(await freePort()),
      AGREEMENTS_TCP_PORT: String(closed),
      SCHEDULER_POLL_MS: '0',
    });
    const app = await createRpcService(
      'scheduler',
      SchedulerModule.forRoot(config, { clock: stack.clock }),
      config,
      rpcServer,
    );
    await app.listen();
    extra.push(app);
    await waitFor('scheduler ready', async () => (await probe(opsUrl(app), '/health/ready')).status === 200, 15_000);
    const { body } = await probe(opsUrl(app), '/health/ready');
    expect(body.checks['service:agreements']).toEqual({ status: 'down', critical: false });
    expect(JSON.stringify(body)).not.toContain(String(closed)); // no address in an answer the Ingress may expose
  });

  it('starts with Kafka down: live, not ready with Kafka failing, its database still up; ready once Kafka is back', async () => {
    const started = Date.now();
    const kafkaPort = await freePort();
    const app = await startCharges({ KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` });
    expect(Date.now() - started).toBeLessThan(15_000);
    const base = opsUrl(app);
    expect((await probe(base, '/health/live')).status).toBe(200);
    const { status, body } = await probe(base, '/health/ready');
    expect(status).toBe(503);
    expect(body.status).toBe('unavailable');
    expect(body.checks.kafka).toMatchObject({ status: 'down', critical: true });
    expect(body.checks.database).toEqual({ status: 'up', critical: true });
    expect(body.checks.shutdown).toEqual({ status: 'up', critical: true });

    // Kafka comes up where the service looks for it (a proxy to the test broker): its clients, retrying in the
    // background, connect, and it becomes ready without a restart.
    const proxy = await kafkaProxy(kafkaPort);
    try {
      await waitFor(
        'charges ready once Kafka is reachable',
        async () => (await probe(base, '/health/ready')).status === 200,
        30_000,
      );
    } finally {
      proxy.close();
    }
  });

  it('answers not ready (draining) from the moment it starts closing', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    /** Holds the shutdown, as in-flight work would, so the probe can be asked while the service closes. */
    @Injectable()
    class SlowShutdown implements BeforeApplicationShutdown {
      beforeApplicationShutdown(): Promise<void> {
        return held;
      }
    }
    @Module({ providers: [SlowShutdown] })
    class HoldModule {}
    const app = await startCharges({}, { module: HoldModule });
    const base = opsUrl(app);
    await waitFor('charges ready', async () => (await probe(base, '/health/ready')).status === 200, 15_000);
    const closing = app.close();
    const { status, body } = await probe(base, '/health/ready');
    expect(status).toBe(503);
    expect(body.checks.shutdown).toEqual({ status: 'down', critical: true, draining: true });
    expect((await probe(base, '/health/live')).status).toBe(200);
    release();
    await closing;
  });
});

/** Forwards 127.0.0.1:`port` to the test broker (which then advertises its own address to the clients). */
async function kafkaProxy(port: number): Promise<Server> {
  const [host, brokerPort] = kafkaBrokers()[0].split(':');
  const server = createServer((socket) => {
    const upstream = connect({ host, port: Number(brokerPort) });
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('the sandbox page', () => {
  it('is live and ready on its own port, the services it calls listed', async () => {
    const config = loadConfig(sandboxConfigSchema, {
      ...stack.sharedEnv,
      SANDBOX_PORT: '0',
      CHARGES_TCP_PORT: String(stack.ports.charges),
      AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
    });
    const app = await createSandboxApp(config);
    await app.listen(0, '127.0.0.1');
    try {
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await probe(base, '/health/live')).status).toBe(200);
      const { status, body } = await probe(base, '/health/ready');
      expect(status).toBe(200);
      expect(body.checks).toEqual({
        shutdown: { status: 'up', critical: true },
        'service:charges': expect.objectContaining({ status: 'up', critical: false }),
        'service:agreements': expect.objectContaining({ status: 'up', critical: false }),
      });
    } finally {
      await app.close();
    }
  });
});

describe('the gateway', () => {
  it('is live and ready on its own port, the services it calls listed', async () => {
    expect(await probe(stack.baseUrl, '/health/live')).toEqual({ status: 200, body: { status: 'ok', checks: {} } });
    const { status, body } = await probe(stack.baseUrl, '/health/ready');
    expect(status).toBe(200);
    expect(body.checks.database).toEqual({ status: 'up', critical: true });
    for (const callee of ['charges', 'agreements', 'scheduler']) {
      expect(body.checks[`service:${callee}`]).toMatchObject({ status: 'up', critical: false });
    }
  });
});

/** The samples of a scrape, by series (`name{labels}`). */
async function scrape(base: string): Promise<{ status: number; text: string; sample: (series: string) => number }> {
  const response = await fetch(`${base}/metrics`);
  const text = await response.text();
  const sample = (series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? NaN : Number(line.slice(series.length + 1));
  };
  return { status: response.status, text, sample };
}

describe('metrics', () => {
  it("every service answers /metrics on its ops port with the catalogue's names; an HTTP service not on its public port", async () => {
    const sandboxConfig = loadConfig(sandboxConfigSchema, {
      ...stack.sharedEnv,
      SANDBOX_PORT: '0',
      CHARGES_TCP_PORT: String(stack.ports.charges),
      AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
    });
    const sandbox = await createSandboxApp(sandboxConfig);
    await sandbox.listen(0, '127.0.0.1');
    try {
      const services = {
        charges: stack.charges,
        agreements: stack.agreements,
        scheduler: stack.schedulers[0],
        gateway: stack.gateway,
        sandbox,
      };
      for (const [name, app] of Object.entries(services)) {
        const base = `http://127.0.0.1:${app.get(OpsListener).port}`;
        await waitFor(`${name} ready`, async () => (await probe(base, '/health/ready')).status === 200, 15_000);
        const { status, text, sample } = await scrape(base);
        expect({ name, status }).toEqual({ name, status: 200 });
        for (const metric of metricCatalogue()) expect(text).toContain(`# TYPE ${metric.name} ${metric.type}`);
        expect({ name, ready: sample('payment_ledger_ready') }).toEqual({ name, ready: 1 });
        expect(sample('process_resident_memory_bytes')).toBeGreaterThan(0);
      }
      // The public ports (behind the Ingress) do not serve it.
      expect((await fetch(`${stack.baseUrl}/metrics`)).status).toBe(404);
      const sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
      expect((await fetch(`${sandboxUrl}/metrics`)).status).toBe(404);
      // The sandbox page (Express) counts its requests by route template too: a checkout link without its token.
      const page = await fetch(`${sandboxUrl}/amazon-pay/checkout/charge_secret_in_the_path`);
      const { text } = await scrape(`http://127.0.0.1:${sandbox.get(OpsListener).port}`);
      expect(text).toContain(
        `payment_ledger_http_request_duration_seconds_count{method="GET",route="/amazon-pay/checkout/:chargeId",status="${page.status}"} 1`,
      );
      expect(text).not.toContain('charge_secret_in_the_path');
    } finally {
      await sandbox.close();
    }
  });

  it('counts the HTTP requests of the gateway by route template and status, never by URL', async () => {
    const ops = `http://127.0.0.1:${stack.gateway.get(OpsListener).port}`;
    const series = (method: string, route: string, status: number) =>
      `payment_ledger_http_request_duration_seconds_count{method="${method}",route="${route}",status="${status}"}`;
    const count = async (method: string, route: string, status: number) =>
      (await scrape(ops)).sample(series(method, route, status)) || 0;
    const live = await count('GET', '/health/live', 200);
    const missing = await count('GET', '/v1/payment-charges/:id', 401);
    const unmatched = await count('GET', 'unmatched', 404);
    await fetch(`${stack.baseUrl}/health/live`);
    await fetch(`${stack.baseUrl}/v1/payment-charges/charge_not_a_real_secret_id`); // no API key: 401
    await fetch(`${stack.baseUrl}/no/such/path/tok_should_not_be_a_label`);
    expect(await count('GET', '/health/live', 200)).toBe(live + 1);
    expect(await count('GET', '/v1/payment-charges/:id', 401)).toBe(missing + 1);
    expect(await count('GET', 'unmatched', 404)).toBe(unmatched + 1);
    const { text } = await scrape(ops);
    expect(text).not.toContain('charge_not_a_real_secret_id');
    expect(text).not.toContain('tok_should_not_be_a_label');
    expect(text).toMatch(
      /payment_ledger_http_request_duration_seconds_bucket\{le="0.05",method="GET",route="\/health\/live",status="200"\} [1-9]/,
    );
  });
});
