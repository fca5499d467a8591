/**
 * Health probes of every service (issue 15): the RPC services answer `/health/live` and `/health/ready` on their ops
 * port, the gateway on its own port, all through the platform's HealthModule. Ready means: its database answers,
 * its Kafka clients are connected, it is not draining; the services it calls are reported, never required. A
 * service whose Kafka is down still starts, and says so.
 */
import { createServer, connect, type Server } from 'node:net';
import { type DynamicModule, type INestApplication, type INestMicroservice, Injectable, Module } from '@nestjs/common';
import type { BeforeApplicationShutdown } from '@nestjs/common';
import {
  createRpcService,
  type HealthAnswer,
  loadConfig,
  metricCatalogue,
  OpsListener,
  SERVICE_REGISTRY,
  type ServiceModuleOptions,
  type ServiceName,
} from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { chargesConfigSchema } from '../../apps/charges/src/charges.config';
import { ChargesModule } from '../../apps/charges/src/charges.module';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { sandboxConfigSchema } from '../../apps/sandbox/src/sandbox.config';
import { schedulerConfigSchema } from '../../apps/scheduler/src/scheduler.config';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module';
import { configSchemaOf } from '../../scripts/config-schemas';
import { kafkaBrokers } from '../support/kafka';
import { freePort, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
const extra: INestMicroservice[] = [];

/** Every service of the registry; the RPC ones (their probes on their ops port only). */
const services = Object.keys(SERVICE_REGISTRY) as ServiceName[];
const rpcServices = services.filter((name) => SERVICE_REGISTRY[name].transport === 'tcp');

beforeAll(async () => {
  db = await TestDatabase.create();
  // every RPC service of the registry: the stack starts refunds, and webhooks and the ledger when asked
  stack = await new PaymentStack(db, undefined, { webhooks: true, ledger: true }).start();
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

const opsUrl = (app: INestMicroservice | INestApplication) => `http://127.0.0.1:${app.get(OpsListener).port}`;

/**
 * The stack's running instance of each service (the sandbox page, which the stack does not run, when given): a
 * service added to the registry fails the suites taking their list from it until it is started here.
 */
function runningApps(sandbox?: INestApplication): Record<ServiceName, INestApplication | INestMicroservice> {
  const apps: Partial<Record<ServiceName, INestApplication | INestMicroservice>> = {
    gateway: stack.gateway,
    charges: stack.charges,
    agreements: stack.agreements,
    scheduler: stack.schedulers[0],
    refunds: stack.refunds,
    webhooks: stack.webhooks,
    ledger: stack.ledger,
    sandbox,
  };
  const missing = services.filter((name) => apps[name] === undefined && (name !== 'sandbox' || sandbox));
  if (missing.length > 0) throw new Error(`service-health.int-spec.ts starts no ${missing.join(', ')}`);
  return apps as Record<ServiceName, INestApplication | INestMicroservice>;
}

/**
 * Any RPC service of the registry, started as its main.ts would start it (apps/<name>/src/<name>.module.ts's
 * `<Name>Module.forRoot`, its config schema) on a free port, with `env` over the stack's settings; closed after the
 * suite.
 */
async function startRpcService(name: ServiceName, env: Record<string, string>): Promise<INestMicroservice> {
  const config = loadConfig(configSchemaOf(name), {
    ...stack.sharedEnv,
    [SERVICE_REGISTRY[name].port]: String(await freePort()),
    ...env,
  });
  const className = `${name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}Module`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(`../../apps/${name}/src/${name}.module`) as Record<
    string,
    { forRoot(config: unknown, options?: ServiceModuleOptions): DynamicModule } | undefined
  >;
  const module = exports[className];
  if (!module) throw new Error(`apps/${name}/src/${name}.module.ts exports no ${className}`);
  const app = await createRpcService(name, module.forRoot(config, { clock: stack.clock }), config, rpcServer);
  await app.listen();
  extra.push(app);
  return app;
}

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
  it('is live and ready on its ops port: its database and Kafka clients up, the services it calls listed', async () => {
    const apps = runningApps();
    for (const name of rpcServices) {
      const app = apps[name];
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
      expect({ name, database: body.checks.database }).toEqual({ name, database: { status: 'up', critical: true } });
      // a service with Kafka clients (a relay, consumers) reports them; the ledger reads the store, not Kafka
      if (body.checks.kafka) expect(body.checks.kafka).toMatchObject({ status: 'up', critical: true });
      expect(body.checks.shutdown).toEqual({ status: 'up', critical: true });
      const listed = Object.keys(body.checks)
        .filter((check) => check.startsWith('service:'))
        .map((check) => check.slice('service:'.length));
      expect({ name, calls: listed.sort() }).toEqual({ name, calls: [...SERVICE_REGISTRY[name].calls].sort() });
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

  it('starts with Kafka down (every RPC service): live, not ready with Kafka failing, its database up; ready once Kafka is back', async () => {
    // Which services hold Kafka clients: those whose readiness lists `kafka` in the running stack (the ledger reads
    // the event store, not Kafka: it is ready throughout).
    const running = runningApps();
    const withKafka = new Set<ServiceName>();
    for (const name of rpcServices) {
      if ((await probe(opsUrl(running[name] as INestMicroservice), '/health/ready')).body.checks.kafka)
        withKafka.add(name);
    }
    expect(withKafka.size).toBeGreaterThan(0);

    // All started at once, Kafka unreachable where they look for it: none may wait for it to start.
    const kafkaPort = await freePort();
    const started = Date.now();
    const apps = await Promise.all(
      rpcServices.map(
        async (name) => [name, await startRpcService(name, { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` })] as const,
      ),
    );
    expect(Date.now() - started).toBeLessThan(45_000);
    for (const [name, app] of apps) {
      const base = opsUrl(app);
      expect({ name, live: (await probe(base, '/health/live')).status }).toEqual({ name, live: 200 });
      const { status, body } = await probe(base, '/health/ready');
      expect(body.checks.database).toEqual({ status: 'up', critical: true });
      expect(body.checks.shutdown).toEqual({ status: 'up', critical: true });
      if (withKafka.has(name)) {
        expect({ name, status, answer: body.status }).toEqual({ name, status: 503, answer: 'unavailable' });
        expect(body.checks.kafka).toMatchObject({ status: 'down', critical: true });
      } else {
        expect({ name, status, kafka: body.checks.kafka }).toEqual({ name, status: 200, kafka: undefined });
      }
    }

    // Kafka comes up where they look for it (a proxy to the test broker): their clients, retrying in the
    // background, connect, and each becomes ready without a restart.
    const proxy = await kafkaProxy(kafkaPort);
    try {
      for (const [name, app] of apps) {
        await waitFor(
          `${name} ready once Kafka is reachable`,
          async () => (await probe(opsUrl(app), '/health/ready')).status === 200,
          60_000,
        );
      }
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
    for (const callee of SERVICE_REGISTRY.gateway.calls) {
      expect({ callee, check: body.checks[`service:${callee}`] }).toMatchObject({
        callee,
        check: { status: 'up', critical: false },
      });
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
  it("every service answers /health/live, /health/ready and /metrics (the catalogue's names) on its ops port; an HTTP service not /metrics on its public port", async () => {
    const sandboxConfig = loadConfig(sandboxConfigSchema, {
      ...stack.sharedEnv,
      SANDBOX_PORT: '0',
      CHARGES_TCP_PORT: String(stack.ports.charges),
      AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
    });
    const sandbox = await createSandboxApp(sandboxConfig);
    await sandbox.listen(0, '127.0.0.1');
    try {
      const apps = runningApps(sandbox);
      // every service of the registry, each on its own ops listener
      const opsPorts = services.map((name) => apps[name].get(OpsListener).port);
      expect(new Set(opsPorts).size).toBe(services.length);
      for (const name of services) {
        const base = `http://127.0.0.1:${apps[name].get(OpsListener).port}`;
        expect({ name, live: await probe(base, '/health/live') }).toEqual({
          name,
          live: { status: 200, body: { status: 'ok', checks: {} } },
        });
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
