/**
 * `npm run bench:webhooks`: merchant events turned into delivered webhooks (issue 17, point 9), with the gateway,
 * charges and webhooks services each in its own process (TCP between them, real PostgreSQL and Kafka), and a local
 * HTTP receiver in this process on 127.0.0.1 (the webhooks service is started with WEBHOOK_ALLOWED_HOSTS=127.0.0.1, as
 * the local stack and the tests are, so the outbound rules let it through).
 *
 * Setup: one sandbox merchant with one webhook endpoint (every event type) pointing at the receiver, created through
 * the gateway (`POST /v1/webhook-endpoints`; its `whsec_…` secret is what the deliveries are verified with), and one
 * charge through the whole path, waited for at the receiver, before any load.
 *
 * Events: charge creates through the gateway (`POST /v1/payment-charges`, seed 001 body) arriving at BENCH_RATE
 * (500) per second, evenly spaced, open loop (bench/support/open-loop.ts): each create stores one ChargeCreated,
 * which libs/contracts/src/webhooks maps to one merchant event, PAYMENT_CHARGE_AUTHENTICATION_PENDING (the status
 * the charge is created in), each on its own object, so each is a lane of its own. BENCH_WARMUP_SECONDS (10) of the
 * same rate run straight into the BENCH_SECONDS (20) measured: a freshly started stack needs seconds of traffic
 * before V8 stops compiling (bench/gateway.bench.ts says why), and a pause would let the measured span start cold.
 *
 * Latency of a webhook: from the event stored (the CloudEvent's `time`, which is the stored event's recordedAt,
 * i.e. the events table's recorded_at, to the millisecond) to the delivery received at the receiver (this process's
 * clock: the same machine's). The measured events are the merchant events stored from the first measured create on;
 * delivered webhooks per second are those events' deliveries over the span from the first of them received to the
 * last (the rate they were stored at, when the service keeps up). CPU per event by process
 * (bench/support/cpu-accounting.ts) runs from the first measured create to the moment every stored event's delivery
 * had been received, so the webhooks service's work on the measured events is in it; the receiver's is in
 * `loadgen`.
 *
 * Nothing lost, checked afterwards: the merchant events expected are computed from the event store with the same
 * code the webhooks service uses (every charge stream folded by merchantEventsOfStream); each must have been
 * received exactly once (the receiver answers every request 204, so each receipt is a successful delivery; a second
 * one is a duplicate), with a signature the `standardwebhooks` package verifies under the endpoint's secret, a
 * `webhook-id` equal to the CloudEvent's id, and its type and subject; nothing else may arrive; and every row of
 * webhook_deliveries must end SUCCEEDED. Any of these failing, or a create answered other than 201, fails the bench
 * (exit 1; the results are written either way). The target (p99 < 1 s at 500 events/s, delivered at the offered
 * rate within 1 %, nothing lost) is recorded as met or missed.
 *
 * Isolation: a fresh database `pl_bench_<random>` (dropped at the end) and a Kafka topic namespace of its own
 * (deleted at the end); it talks to 127.0.0.1 only. Results: bench/results/webhooks.json.
 *
 * Knobs: BENCH_SECONDS (20), BENCH_WARMUP_SECONDS (10), BENCH_RATE (500), BENCH_RATE_CONNECTIONS (32),
 * BENCH_CATCH_UP_SECONDS (60: how long to wait for the last deliveries), BENCH_DATABASE_POOL_SIZE (10, per service),
 * BENCH_WEBHOOK_CONCURRENCY, BENCH_WEBHOOK_ENDPOINT_CONCURRENCY and BENCH_WEBHOOK_POLL_MS (the webhooks service's
 * WEBHOOK_CONCURRENCY, WEBHOOK_ENDPOINT_CONCURRENCY and WEBHOOK_POLL_MS; unset: its defaults, which is what the
 * recorded run uses: every event here goes to one endpoint, so WEBHOOK_ENDPOINT_CONCURRENCY bounds the attempts in
 * flight), BENCH_SERVICES_FROM (build: see support/service-code.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { type MerchantEvent, merchantEventsOfStream } from '@payment-ledger/contracts';
import { LOG_START, PostgresEventStore, type RecordedEvent } from '@payment-ledger/event-store';
import { env, loadConfig } from '@payment-ledger/platform';
import { createMerchant } from '../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { webhooksConfigSchema } from '../apps/webhooks/src/webhooks.config';
import { anyOpsPorts } from '../test/support/ports';
import {
  benchEnvironment,
  benchServicesConfigSchema,
  type BenchServices,
  count,
  gitCommit,
  hostFacts,
  percentile,
  startBenchServices,
} from './support/bench-stack';
import { cpuCalibrationMs, cpuPerUnit, cpuSnapshot } from './support/cpu-accounting';
import { openLoop } from './support/open-loop';
import { describeServiceCode, serviceCodeSource } from './support/service-code';

const config = loadConfig({
  ...benchServicesConfigSchema,
  WEBHOOK_SECRETS_KEY: webhooksConfigSchema.WEBHOOK_SECRETS_KEY,
  BENCH_SECONDS: env.int({ default: 20, min: 1, max: 600 }),
  BENCH_WARMUP_SECONDS: env.int({ default: 10, min: 0, max: 300 }),
  BENCH_RATE: env.int({ default: 500, min: 1, max: 20_000 }),
  BENCH_RATE_CONNECTIONS: env.int({ default: 32, min: 1, max: 1024 }),
  BENCH_CATCH_UP_SECONDS: env.int({ default: 60, min: 1, max: 3600 }),
  BENCH_WEBHOOK_CONCURRENCY: env.optionalString(),
  BENCH_WEBHOOK_ENDPOINT_CONCURRENCY: env.optionalString(),
  BENCH_WEBHOOK_POLL_MS: env.optionalString(),
});
const SERVICES_FROM = serviceCodeSource(config.BENCH_SERVICES_FROM);

/** Issue 17, point 9. */
const TARGET = { eventsPerSecond: 500, p99Ms: 1000 };
const SEED_001_BODY = JSON.stringify({
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
});
/** What a charge create yields (libs/contracts/src/webhooks: the status a charge is created in). */
const CREATE_EVENT_TYPE = 'PAYMENT_CHARGE_AUTHENTICATION_PENDING';
const RECEIVER_PATH = '/bench-webhooks';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wall-clock milliseconds with a fraction (the receipts are compared with stored times, so not performance.now()). */
const wallNow = () => performance.timeOrigin + performance.now();

// ---- The receiver ----

interface Receipt {
  webhookId: string;
  timestamp: string;
  signature: string;
  body: string;
  receivedAt: number;
}

/**
 * The merchant's receiver: keeps each request as it came (verified afterwards, so verifying costs nothing while
 * measuring) and answers 204 at once.
 */
class Receiver {
  readonly receipts: Receipt[] = [];
  /** Distinct `webhook-id`s received. */
  readonly ids = new Set<string>();
  /** Requests to another path or without the Standard Webhooks headers. */
  readonly malformed: string[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const receivedAt = wallNow();
        const header = (name: string) => request.headers[name];
        const [webhookId, timestamp, signature] = [
          header('webhook-id'),
          header('webhook-timestamp'),
          header('webhook-signature'),
        ];
        if (
          request.url !== RECEIVER_PATH ||
          typeof webhookId !== 'string' ||
          typeof timestamp !== 'string' ||
          typeof signature !== 'string'
        ) {
          if (this.malformed.length < 20) this.malformed.push(`${request.method} ${request.url}`);
        } else {
          const body = Buffer.concat(chunks).toString('utf8');
          this.receipts.push({ webhookId, timestamp, signature, body, receivedAt });
          this.ids.add(webhookId);
        }
        response.writeHead(204).end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${RECEIVER_PATH}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ---- The services ----

type Stack = BenchServices<'charges' | 'webhooks'>;

function startStack(dbUrl: string, namespace: string): Promise<Stack> {
  return startBenchServices({
    databaseUrl: dbUrl,
    namespace,
    config,
    env: {
      SANDBOX_PUBLIC_URL: 'http://127.0.0.1:3999',
      // The receiver is on 127.0.0.1, which the outbound URL rules refuse unless it is allow-listed.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      // Metrics listeners on free ports: the defaults (9300…) may be taken by another stack on this machine.
      ...anyOpsPorts(),
    },
    services: [
      { name: 'charges' },
      {
        name: 'webhooks',
        env: {
          WEBHOOK_SECRETS_KEY: config.WEBHOOK_SECRETS_KEY,
          ...(config.BENCH_WEBHOOK_CONCURRENCY ? { WEBHOOK_CONCURRENCY: config.BENCH_WEBHOOK_CONCURRENCY } : {}),
          ...(config.BENCH_WEBHOOK_ENDPOINT_CONCURRENCY
            ? { WEBHOOK_ENDPOINT_CONCURRENCY: config.BENCH_WEBHOOK_ENDPOINT_CONCURRENCY }
            : {}),
          ...(config.BENCH_WEBHOOK_POLL_MS ? { WEBHOOK_POLL_MS: config.BENCH_WEBHOOK_POLL_MS } : {}),
        },
      },
    ],
    from: SERVICES_FROM,
    outputTailChars: 3000,
  });
}

/** The merchant's endpoint at the receiver, through the gateway: its secret is answered this once. */
async function createEndpoint(stack: Stack, apiKey: string, url: string): Promise<{ id: string; secret: string }> {
  const created = await fetch(`${stack.baseUrl}/v1/webhook-endpoints`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'request-idempotency-key': `bench-endpoint-${Date.now()}`,
    },
    body: JSON.stringify({ url, description: 'bench receiver' }),
  });
  const body = (await created.json()) as { webhookEndpointId?: string; secret?: string };
  if (created.status !== 201 || !body.webhookEndpointId || !body.secret?.startsWith('whsec_')) {
    throw new Error(`creating the webhook endpoint answered ${created.status}: ${JSON.stringify(body)}`);
  }
  return { id: body.webhookEndpointId, secret: body.secret };
}

// ---- Checks ----

const CHARGE_EVENTS = `SELECT count(*) AS n FROM events WHERE stream_type = 'charge'`;

/** Creates cut off at the end of the run still finish in the services: wait until the charge events stop growing. */
async function quiesce(pool: Pool): Promise<number> {
  await sleep(500);
  let last = await count(pool, CHARGE_EVENTS);
  for (;;) {
    await sleep(500);
    const now = await count(pool, CHARGE_EVENTS);
    if (now === last) return now;
    last = now;
  }
}

/** Every merchant event the stored charge streams stand for, by id (the same fold the webhooks service makes). */
async function expectedMerchantEvents(store: PostgresEventStore): Promise<Map<string, MerchantEvent>> {
  const streams = new Map<string, RecordedEvent[]>();
  let cursor = LOG_START;
  for (;;) {
    const page = await store.readAll(cursor, { limit: 5000, streamTypes: ['charge'] });
    for (const event of page.events) {
      const list = streams.get(event.streamId) ?? [];
      list.push(event);
      streams.set(event.streamId, list);
    }
    cursor = page.cursor;
    if (page.events.length < 5000) break;
  }
  const expected = new Map<string, MerchantEvent>();
  for (const events of streams.values()) {
    for (const merchantEvent of merchantEventsOfStream('charge', events)) expected.set(merchantEvent.id, merchantEvent);
  }
  return expected;
}

interface Delivered {
  /** Merchant events stored (all of them: probe, warm-up, measured). */
  expected: number;
  /** Of those, received once, verified, as expected. */
  deliveredOnce: number;
  lost: number;
  duplicates: number;
  signatureFailures: number;
  /** Received, verified, but not what the event store says (type, subject, id, data's stream version). */
  mismatches: number;
  /** Received with an id no stored event has. */
  unexpected: number;
  malformedRequests: number;
  /** webhook_deliveries rows by status. */
  deliveryRows: Record<string, number>;
  examples: string[];
}

/** Every stored merchant event received exactly once, verified with `standardwebhooks`; nothing else. */
async function checkDeliveries(
  expected: Map<string, MerchantEvent>,
  receiver: Receiver,
  secret: string,
  pool: Pool,
): Promise<Delivered> {
  const webhook = new Webhook(secret);
  const examples: string[] = [];
  const note = (text: string) => void (examples.length < 20 && examples.push(text));
  const seen = new Map<string, number>();
  let signatureFailures = 0;
  let mismatches = 0;
  let unexpected = 0;
  for (const receipt of receiver.receipts) {
    seen.set(receipt.webhookId, (seen.get(receipt.webhookId) ?? 0) + 1);
    let event: { id?: string; type?: string; subject?: string; time?: string; data?: { streamVersion?: number } };
    try {
      event = webhook.verify(receipt.body, {
        'webhook-id': receipt.webhookId,
        'webhook-timestamp': receipt.timestamp,
        'webhook-signature': receipt.signature,
      }) as typeof event;
    } catch (error) {
      signatureFailures += 1;
      note(`${receipt.webhookId}: signature not verified (${(error as Error).message})`);
      continue;
    }
    const stored = expected.get(receipt.webhookId);
    if (!stored) {
      unexpected += 1;
      note(`${receipt.webhookId}: no stored event has this id`);
    } else if (
      event.id !== stored.id ||
      event.type !== stored.type ||
      event.subject !== stored.objectId ||
      event.time !== stored.time ||
      event.data?.streamVersion !== stored.streamVersion
    ) {
      mismatches += 1;
      note(`${receipt.webhookId}: received ${JSON.stringify(event).slice(0, 300)}`);
    }
  }
  let lost = 0;
  let duplicates = 0;
  for (const id of expected.keys()) {
    const times = seen.get(id) ?? 0;
    if (times === 0) {
      lost += 1;
      note(`${id}: stored, never received`);
    } else if (times > 1) {
      duplicates += 1;
      note(`${id}: received ${times} times`);
    }
  }
  const { rows } = await pool.query<{ status: string; n: string }>(
    'SELECT status, count(*) AS n FROM webhook_deliveries GROUP BY status',
  );
  const deliveryRows = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  return {
    expected: expected.size,
    deliveredOnce: [...expected.keys()].filter((id) => seen.get(id) === 1).length,
    lost,
    duplicates,
    signatureFailures,
    mismatches,
    unexpected,
    malformedRequests: receiver.malformed.length,
    deliveryRows,
    examples,
  };
}

// ---- The run ----

interface Row {
  scenario: string;
  connections: number;
  /** Charge creates (one merchant event each) per second offered. */
  offeredEventsPerSecond: number;
  /** Creates answered per second over the measured schedule. */
  createsPerSecond: number;
  createP99Ms: number;
  createNon2xx: number;
  createErrors: number;
  seconds: number;
  /** Merchant events stored in the measured span. */
  events: number;
  /** Those events over the span from the first of them stored to the last (the rate the stack stored them at). */
  storedEventsPerSecond: number;
  /** Of those, received at the receiver. */
  delivered: number;
  /** Measured deliveries over the span from the first of them received to the last (equal to the stored rate when kept up). */
  deliveredPerSecond: number;
  /** From the event stored (CloudEvent `time`) to its delivery received. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the end of the create schedule until every stored event's delivery had been received (null: not in time). */
  drainedAfterMs: number | null;
  /** CPU milliseconds per measured event, by process, until every delivery was received; `other`: the rest. */
  cpuMsPerEvent?: Record<string, number>;
  machineCpuBusy?: number;
  deliveries: Delivered;
  failures: string[];
}

async function run(stack: Stack, apiKey: string, receiver: Receiver, secret: string, pool: Pool): Promise<Row> {
  const store = new PostgresEventStore(pool);
  let measuredFrom = 0;
  let cpuBefore!: ReturnType<typeof cpuSnapshot>;
  let analyzed: Promise<unknown> = Promise.resolve();
  // Half-way through the warm-up, under load, the ANALYZE autovacuum would make by then (bench/gateway.bench.ts).
  const analyze = setTimeout(() => (analyzed = pool.query('ANALYZE')), (config.BENCH_WARMUP_SECONDS * 1000) / 2);
  const load = await openLoop({
    url: `${stack.baseUrl}/v1/payment-charges`,
    rate: config.BENCH_RATE,
    seconds: config.BENCH_SECONDS,
    warmUpSeconds: config.BENCH_WARMUP_SECONDS,
    connections: config.BENCH_RATE_CONNECTIONS,
    method: 'POST',
    body: SEED_001_BODY,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    onMeasuring: () => {
      measuredFrom = Date.now();
      cpuBefore = cpuSnapshot(stack.pids);
    },
  });
  const scheduleEnded = Date.now();
  clearTimeout(analyze);
  await analyzed;

  // Every charge event stored yields one merchant event here (creates only): wait until each has been received.
  const stored = await quiesce(pool);
  let drainedAfterMs: number | null = null;
  for (;;) {
    if (receiver.ids.size >= stored) {
      drainedAfterMs = Date.now() - scheduleEnded;
      break;
    }
    if (Date.now() - scheduleEnded > config.BENCH_CATCH_UP_SECONDS * 1000) break;
    await sleep(20);
  }
  const cpuAfter = cpuSnapshot(stack.pids);
  // A moment more, so that a duplicate sent late is seen too.
  await sleep(2000);

  const expected = await expectedMerchantEvents(store);
  const deliveries = await checkDeliveries(expected, receiver, secret, pool);
  const firstReceipt = new Map<string, number>();
  for (const receipt of receiver.receipts) {
    if (!firstReceipt.has(receipt.webhookId)) firstReceipt.set(receipt.webhookId, receipt.receivedAt);
  }
  const measured = [...expected.values()].filter((e) => Date.parse(e.time) >= measuredFrom);
  const latencies: number[] = [];
  let lastReceived = 0;
  let firstReceived = Infinity;
  let firstStored = Infinity;
  let lastStored = 0;
  for (const event of measured) {
    const storedAt = Date.parse(event.time);
    firstStored = Math.min(firstStored, storedAt);
    lastStored = Math.max(lastStored, storedAt);
    const receivedAt = firstReceipt.get(event.id);
    if (receivedAt === undefined) continue;
    latencies.push(receivedAt - storedAt);
    lastReceived = Math.max(lastReceived, receivedAt);
    firstReceived = Math.min(firstReceived, receivedAt);
  }
  latencies.sort((a, b) => a - b);
  const cpu = cpuPerUnit(cpuBefore, cpuAfter, measured.length);

  const failures: string[] = [];
  const createsAnswered = load.warmUp.ok + load.ok;
  if (load.non2xx + load.errors + load.warmUp.non2xx + load.warmUp.errors > 0) {
    failures.push(
      `charge creates: ${load.warmUp.non2xx + load.non2xx} answers not 2xx (${JSON.stringify({
        ...load.warmUp.statuses,
        ...load.statuses,
      })}), ${load.warmUp.errors + load.errors} errors`,
    );
  }
  const wrongType = measured.filter((e) => e.type !== CREATE_EVENT_TYPE).length;
  if (wrongType > 0) failures.push(`${wrongType} measured merchant events are not ${CREATE_EVENT_TYPE}`);
  // The probe's event and one per create answered.
  if (expected.size < createsAnswered + 1) {
    failures.push(`${createsAnswered + 1} charges created, ${expected.size} merchant events stored`);
  }
  if (drainedAfterMs === null) {
    failures.push(`not every stored event was received within ${config.BENCH_CATCH_UP_SECONDS} s`);
  }
  const d = deliveries;
  if (d.lost > 0) failures.push(`${d.lost} stored events never received`);
  if (d.duplicates > 0) failures.push(`${d.duplicates} events received more than once`);
  if (d.signatureFailures > 0) failures.push(`${d.signatureFailures} deliveries whose signature did not verify`);
  if (d.mismatches > 0) failures.push(`${d.mismatches} deliveries that are not the stored event`);
  if (d.unexpected > 0) failures.push(`${d.unexpected} deliveries of no stored event`);
  if (d.malformedRequests > 0) failures.push(`${d.malformedRequests} requests without the webhook headers`);
  const notSucceeded = Object.entries(d.deliveryRows).filter(([status]) => status !== 'SUCCEEDED');
  if (notSucceeded.length > 0) failures.push(`webhook_deliveries not SUCCEEDED: ${JSON.stringify(d.deliveryRows)}`);

  const spanSeconds = Math.max(0.001, (lastReceived - firstReceived) / 1000);
  return {
    scenario: `charge creates at ${config.BENCH_RATE}/s, one PAYMENT_CHARGE_AUTHENTICATION_PENDING each, to one endpoint`,
    connections: config.BENCH_RATE_CONNECTIONS,
    offeredEventsPerSecond: config.BENCH_RATE,
    createsPerSecond: load.achievedRate,
    createP99Ms: percentile(load.latencies, 0.99),
    createNon2xx: load.non2xx,
    createErrors: load.errors,
    seconds: Number(load.seconds.toFixed(1)),
    events: measured.length,
    storedEventsPerSecond: Math.round(measured.length / Math.max(0.001, (lastStored - firstStored) / 1000)),
    delivered: latencies.length,
    deliveredPerSecond: Math.round(latencies.length / spanSeconds),
    p50Ms: percentile(latencies, 0.5),
    p90Ms: percentile(latencies, 0.9),
    p99Ms: percentile(latencies, 0.99),
    maxMs: percentile(latencies, 1),
    drainedAfterMs,
    cpuMsPerEvent: cpu.cpuMsPerUnit,
    machineCpuBusy: cpu.machineCpuBusy,
    deliveries,
    failures,
  };
}

/** The run's CPU used by processes outside the bench: this machine is shared. */
function warnings(row: Row): string[] {
  const cpu = row.cpuMsPerEvent;
  const total = cpu ? Object.values(cpu).reduce((a, b) => a + b, 0) : 0;
  return cpu && (cpu.other ?? 0) > 0.1 * total
    ? [
        `processes outside the bench used ${cpu.other} CPU-ms per event; the machine was shared during this run, ` +
          'rerun for a clean number',
      ]
    : [];
}

async function main(): Promise<void> {
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  const calibrationMs = cpuCalibrationMs();
  const bench = await benchEnvironment(config.DATABASE_URL, config.KAFKA_BROKERS, 4);
  const { pool, url, namespace, postgres } = bench;
  const receiver = await new Receiver().start();
  let stack: Stack | undefined;
  let row: Row;
  try {
    stack = await startStack(url, namespace);
    const { apiKey } = await createMerchant(pool, 'Bench Webhooks Merchant', 'SANDBOX');
    const endpoint = await createEndpoint(stack, apiKey, receiver.url);

    // One event through the whole path, waited for at the receiver.
    const probe = await fetch(`${stack.baseUrl}/v1/payment-charges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: SEED_001_BODY,
    });
    if (probe.status !== 201) throw new Error(`creating a charge answered ${probe.status}: ${await probe.text()}`);
    const probeStarted = Date.now();
    while (receiver.ids.size === 0) {
      if (Date.now() - probeStarted > 60_000) {
        throw new Error(`the first charge's webhook did not arrive in 60 s:\n${stack.output()}`);
      }
      await sleep(50);
    }
    console.error(`first webhook received ${Date.now() - probeStarted} ms after its charge was created`);

    row = await run(stack, apiKey, receiver, endpoint.secret, pool);
  } finally {
    await stack?.stop();
    await receiver.stop();
    await bench.dispose();
  }

  const target = {
    eventsPerSecond: TARGET.eventsPerSecond,
    p99Ms: TARGET.p99Ms,
    measuredEventsPerSecond: row.storedEventsPerSecond,
    measuredDeliveredPerSecond: row.deliveredPerSecond,
    measuredP50Ms: row.p50Ms,
    measuredP99Ms: row.p99Ms,
    met:
      row.offeredEventsPerSecond >= TARGET.eventsPerSecond &&
      row.storedEventsPerSecond >= 0.99 * row.offeredEventsPerSecond &&
      row.deliveredPerSecond >= 0.99 * row.offeredEventsPerSecond &&
      row.p99Ms < TARGET.p99Ms &&
      row.failures.length === 0,
  };
  const record = {
    name: 'webhooks',
    date: new Date().toISOString(),
    machine: hostFacts(postgres, loadAtStart, calibrationMs),
    commit: gitCommit(),
    settings: {
      rate: config.BENCH_RATE,
      connections: config.BENCH_RATE_CONNECTIONS,
      warmupSeconds: config.BENCH_WARMUP_SECONDS,
      seconds: config.BENCH_SECONDS,
      databasePoolSizePerService: config.BENCH_DATABASE_POOL_SIZE,
      webhookConcurrency: config.BENCH_WEBHOOK_CONCURRENCY ?? 'default',
      webhookEndpointConcurrency: config.BENCH_WEBHOOK_ENDPOINT_CONCURRENCY ?? 'default',
      webhookPollMs: config.BENCH_WEBHOOK_POLL_MS ?? 'default',
      services:
        `gateway, charges and webhooks, one Node process each, ${describeServiceCode(SERVICES_FROM)}, ` +
        'LOG_LEVEL=warn; the receiver in the bench process (loadgen), answering 204',
    },
    target,
    passed: row.failures.length === 0,
    failures: row.failures,
    warnings: warnings(row),
    notes:
      'Latency: from the event stored (CloudEvent time = recordedAt) to the delivery received. deliveredPerSecond: ' +
      'measured deliveries over the span from the first of them received to the last. ' +
      'cpuMsPerEvent: CPU milliseconds each process spent per measured event, from the first measured create until ' +
      'every delivery was received. deliveries: every merchant event the stored charge streams stand for ' +
      '(merchantEventsOfStream), each received exactly once and verified with the standardwebhooks package.',
    results: [row],
  };
  console.table([
    {
      'offered/s': row.offeredEventsPerSecond,
      'stored/s': row.storedEventsPerSecond,
      'delivered/s': row.deliveredPerSecond,
      events: row.events,
      delivered: row.delivered,
      p50Ms: row.p50Ms,
      p99Ms: row.p99Ms,
      maxMs: row.maxMs,
      drainedAfterMs: row.drainedAfterMs,
      lost: row.deliveries.lost,
      duplicates: row.deliveries.duplicates,
    },
  ]);
  console.table({ cpuMsPerEvent: { ...row.cpuMsPerEvent, machineBusy: row.machineCpuBusy } });
  for (const example of row.deliveries.examples) console.error(`  ${example}`);
  for (const warning of record.warnings) console.warn(`warning: ${warning}`);
  console.log(
    `target: ${TARGET.eventsPerSecond} events/s delivered with p99 < ${TARGET.p99Ms} ms, nothing lost: ` +
      `${target.met ? 'MET' : 'MISSED'} (${row.deliveredPerSecond} delivered/s, p50 ${row.p50Ms} ms, ` +
      `p99 ${row.p99Ms} ms, ${row.deliveries.lost} lost)`,
  );
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'webhooks.json'), JSON.stringify(record, null, 2) + '\n');
  if (row.failures.length > 0) throw new Error(`checks failed:\n${row.failures.join('\n')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
