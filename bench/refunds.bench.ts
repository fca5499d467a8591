/**
 * `npm run bench:refunds`: refunds through the public API end to end (issue 16), with the gateway, charges and
 * refunds services each in its own process (TCP between them, real PostgreSQL and Kafka, the sandbox provider
 * in-process in the refunds service with its records in PostgreSQL), driven over HTTP by autocannon from this process.
 *
 * Setup: BENCH_REFUND_CHARGES (1,000) captured charges of one sandbox merchant, plus one more for (b), seeded as what
 * a captured AUTOMATIC Amazon Pay charge has, so that the run measures refunds, not 1,000 browser checkouts: at the
 * sandbox provider, the Create Charge with CaptureNow the charges service would have made (the provider's own call,
 * on its PostgreSQL records: the refund checks the provider's books), and on each `charge:<id>` stream the events
 * the charges service writes (ChargeCreated, ChargeAuthenticationCompleted, ChargeAuthorizationRequested,
 * ChargeAuthorized, ChargeCaptured), each checked against its contract before it is appended, and the first charge
 * folded with the public charge model to be sure it reads as CAPTURED.
 *
 * Scenarios, closed loop, BENCH_REFUND_CLIENTS (16) connections each sending its next request when the last is
 * answered, every request a `POST /v1/payment-charges/{id}/refunds` with its own Idempotency-Key:
 *   (a) spread: each request refunds a small amount (1–20 minor units of 10,000 captured) of a random charge among
 *       the seeded ones, for BENCH_REFUNDS_SECONDS (20) after a BENCH_WARMUP_SECONDS (3) warm-up. Target: ≥ 500
 *       refunds (201 answers) per second.
 *   (b) hot: every request refunds 20 of ONE charge whose captured amount is BENCH_HOT_REFUNDS (500) × 20, then
 *       4 more attempts per client: exactly BENCH_HOT_REFUNDS answers 201 and the rest 409 amount_exceeds_refundable,
 *       and the charge ends exactly fully refunded.
 * Each reports refunds/s, p50/p99 latency, the answers by status (201/409/other) and by 409 failure code, and the CPU
 * each process spent per request (bench/support/cpu-accounting.ts); then how long the charges service took to record
 * every settled refund on its charges' streams (it learns them over Kafka) and the refund list read model to catch
 * up (bounded by BENCH_CATCH_UP_SECONDS, 120; late is a warning, not a failure).
 *
 * After every scenario, the invariant, from the event store: every `refund:<chargeId>` stream folded with the public
 * model (chargeRefundsAsOf), refunds pending or succeeded plus chargebacks open or lost (amountTakenFromCaptured)
 * never above what the charge's own stream says was captured. Violations are printed and recorded (must be 0). The
 * provider's books are compared too: per charge, what the sandbox refunded (not declined) against the stream's
 * refunds not failed, and against what it captured. The bench writes its results either way and exits non-zero
 * when a check failed or an answer was neither 201 nor 409.
 *
 * Isolation: a fresh database `pl_bench_<random>` migrated with every migration folder (dropped at the end) and a
 * Kafka topic namespace of its own (deleted at the end); it talks to 127.0.0.1 only.
 * Results: bench/results/refunds.json.
 *
 * Knobs: BENCH_REFUNDS_SECONDS (20), BENCH_WARMUP_SECONDS (3), BENCH_REFUND_CHARGES (1000), BENCH_REFUND_CLIENTS
 * (16), BENCH_HOT_REFUNDS (500), BENCH_CATCH_UP_SECONDS (120), BENCH_DATABASE_POOL_SIZE (10, per service),
 * BENCH_SERVICES_FROM (build: see support/service-code.ts).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import {
  amountTakenFromCaptured,
  CHARGE_EVENT_SCHEMA_VERSIONS,
  type ChargeEvent,
  chargeExists,
  chargeRefundsAsOf,
  chargeStateAsOf,
  type MerchantContext,
  newId,
  PAYMENT_METHOD_CAPABILITIES,
  parseChargeEvent,
  refundedAmount,
} from '@payment-ledger/contracts';
import { LOG_START, PostgresEventStore, type RecordedEvent } from '@payment-ledger/event-store';
import {
  AmazonPaySandboxProvider,
  PostgresSandboxProviderRecords,
  SANDBOX_RECORD_ENTITIES,
} from '@payment-ledger/payment-methods';
import { env, loadConfig } from '@payment-ledger/platform';
import { createMerchant } from '../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { entityDataSource } from '../test/support/entity-schema';
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
import { describeServiceCode, serviceCodeSource } from './support/service-code';

const config = loadConfig({
  ...benchServicesConfigSchema,
  BENCH_REFUNDS_SECONDS: env.int({ default: 20, min: 1, max: 600 }),
  BENCH_WARMUP_SECONDS: env.int({ default: 3, min: 0, max: 60 }),
  BENCH_REFUND_CHARGES: env.int({ default: 1000, min: 1, max: 100_000 }),
  BENCH_REFUND_CLIENTS: env.int({ default: 16, min: 1, max: 1024 }),
  BENCH_HOT_REFUNDS: env.int({ default: 500, min: 1, max: 10_000 }),
  BENCH_CATCH_UP_SECONDS: env.int({ default: 120, min: 1, max: 3600 }),
});
const SERVICES_FROM = serviceCodeSource(config.BENCH_SERVICES_FROM);

/** Issue 16, point 7. */
const TARGET_REFUNDS_PER_SECOND = 500;
/** Every seeded charge (a sandbox USD charge of 100.00); (a) refunds 1–20 minor units of one at a time. */
const CHARGE_AMOUNT = 10_000;
const SPREAD_MAX_REFUND = 20;
/** (b): every refund of the hot charge is this much; its captured amount is BENCH_HOT_REFUNDS of them. */
const HOT_REFUND_AMOUNT = 20;
const HOT_EXTRA_ATTEMPTS_PER_CLIENT = 4;
const CURRENCY = 'USD';
const SCENARIO_NAMES = {
  spread: '(a) spread: random charges, small partial refunds',
  hot: '(b) hot: one charge until fully refunded, then more',
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let interrupted = false;
let running: autocannon.Instance | undefined;

interface LoadResult {
  requests: number;
  seconds: number;
  /** Milliseconds per answered request, sorted ascending. */
  latencies: number[];
  statuses: Record<number, number>;
  /** `failureCode`s of the 409 answers. */
  conflictCodes: Record<string, number>;
  /** `status` of the refunds answered 201. */
  refundStatuses: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  /** A few answers neither 201 nor 409, for the report. */
  unexpected: string[];
  /** Seconds from the start to the last 201 answer. */
  lastCreatedAtSeconds: number;
}

interface Invariant {
  refundStreams: number;
  refunds: number;
  /** Charges whose refunds pending or succeeded plus chargebacks open or lost exceed what they captured. */
  violations: number;
  violationExamples: { chargeId: string; captured: number; taken: number }[];
  /** Charges whose provider-side refunds (not declined) differ from the stream's refunds not failed. */
  providerMismatches: number;
  providerMismatchExamples: { chargeId: string; stream: number; provider: number }[];
  /** Charges the provider refunded beyond what it captured for them. */
  providerOverRefunds: number;
}

interface Row {
  scenario: string;
  clients: number;
  seconds: number;
  requests: number;
  /** 201 answers per second (for (b), up to the last one). */
  refundsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  answers: { created201: number; conflict409: number; other: number };
  statuses: Record<number, number>;
  conflictCodes: Record<string, number>;
  refundStatuses: Record<string, number>;
  errors: number;
  unexpectedAnswers?: string[];
  /** CPU milliseconds per request, by process, over the measured run; `other` is the rest of the machine. */
  cpuMsPerRequest?: Record<string, number>;
  machineCpuBusy?: number;
  /** Until the charges service had recorded every settled refund on its charge's stream (null: not in time). */
  chargesRecordedAfterMs: number | null;
  /** Until the refund list read model had every refund (null: not in time). */
  refundListCaughtUpAfterMs: number | null;
  invariant: Invariant;
  hotCharge?: {
    chargeId: string;
    captured: number;
    taken: number;
    refunded: number;
    expectedCreated: number;
    expectedConflicts: number;
    fullyRefunded: boolean;
  };
  /** What this scenario expected and did not get (empty: passed). */
  failures: string[];
}

// ---- Seeding ----

interface Seeded {
  merchant: MerchantContext;
  apiKey: string;
  /** The charges of (a). */
  chargeIds: string[];
  hotChargeId: string;
  hotCaptured: number;
}

/** The events of a charge the consumer approved and the provider authorized and captured at once (AUTOMATIC). */
function capturedChargeEvents(
  chargeId: string,
  merchant: MerchantContext,
  amount: number,
  ids: { authorizationId: string; captureId: string },
  references: { authorization: string; capture: string },
  now: Date,
): ChargeEvent[] {
  const at = now.toISOString();
  const historyId = () => newId('history', now.getTime());
  const windowDays = PAYMENT_METHOD_CAPABILITIES.AMAZON_PAY.captureWindowDays;
  return [
    {
      type: 'ChargeCreated',
      data: {
        historyId: historyId(),
        at,
        chargeId,
        merchant: { id: merchant.id, name: merchant.name },
        paymentMethod: 'AMAZON_PAY',
        amount: { value: amount, currency: CURRENCY },
        consumer: { name: 'Bench Consumer', country: 'US' },
        captureMethod: 'AUTOMATIC',
        initiator: 'CONSUMER',
        agreementId: null,
        instrumentId: null,
        returnUrl: 'https://www.your-return-page.com/',
        webhooksUrl: null,
        merchantPaymentChargeReference: null,
        simulationCode: null,
        authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.invalid/', requestMethod: 'GET' },
        authenticationExpiresAt: new Date(now.getTime() + 10 * 60_000).toISOString(),
      },
    },
    { type: 'ChargeAuthenticationCompleted', data: { historyId: historyId(), at } },
    {
      type: 'ChargeAuthorizationRequested',
      data: {
        historyId: historyId(),
        at,
        authorizationId: ids.authorizationId,
        amount,
        captureNow: { captureId: ids.captureId },
      },
    },
    {
      type: 'ChargeAuthorized',
      data: {
        historyId: historyId(),
        at,
        authorizationId: ids.authorizationId,
        amount,
        providerReference: references.authorization,
        captureExpiresAt: new Date(now.getTime() + windowDays * 86_400_000).toISOString(),
      },
    },
    {
      type: 'ChargeCaptured',
      data: { historyId: historyId(), at, captureId: ids.captureId, amount, providerReference: references.capture },
    },
  ];
}

/**
 * The charges as the charges service would have left them: the provider's Create Charge with CaptureNow (its own
 * call, so its books hold the capture a refund is checked against), then the charge's events, each parsed with its
 * contract before it is appended.
 */
async function seedCharges(url: string, pool: Pool): Promise<Seeded> {
  const { merchant, apiKey } = await createMerchant(pool, 'Bench Refunds Merchant', 'SANDBOX');
  const dataSource = await entityDataSource(url, SANDBOX_RECORD_ENTITIES);
  const provider = new AmazonPaySandboxProvider(
    {
      hostedPageBaseUrl: 'http://127.0.0.1:3999',
      signingSecret: config.SANDBOX_SIGNING_SECRET,
      linkTtlMs: 600_000,
      asyncAuthorizationDelayMs: 0,
    },
    new PostgresSandboxProviderRecords(pool, dataSource),
  );
  const store = new PostgresEventStore(pool);
  const hotCaptured = config.BENCH_HOT_REFUNDS * HOT_REFUND_AMOUNT;
  const charges = [
    ...Array.from({ length: config.BENCH_REFUND_CHARGES }, () => ({ id: newId('charge'), amount: CHARGE_AMOUNT })),
    { id: newId('charge'), amount: hotCaptured },
  ];
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < charges.length) {
          const { id: chargeId, amount } = charges[next++];
          const now = new Date();
          const ids = { authorizationId: newId('authorization'), captureId: newId('capture') };
          const outcome = await provider.authorize({
            idempotencyKey: ids.authorizationId,
            chargeId,
            authorizationId: ids.authorizationId,
            amount: { value: amount, currency: CURRENCY },
            simulationCode: null,
            captureNow: { captureId: ids.captureId },
            now,
          });
          if (outcome.status !== 'AUTHORIZED' || !outcome.capture) {
            throw new Error(`the sandbox did not authorize and capture ${chargeId}: ${JSON.stringify(outcome)}`);
          }
          const references = { authorization: outcome.providerReference, capture: outcome.capture.providerReference };
          const events = capturedChargeEvents(chargeId, merchant, amount, ids, references, now).map((event) => {
            const schemaVersion = CHARGE_EVENT_SCHEMA_VERSIONS[event.type];
            parseChargeEvent({ type: event.type, schemaVersion, data: event.data }); // throws when off contract
            return { type: event.type, data: event.data, schemaVersion, metadata: { actor: 'bench' } };
          });
          await store.append(`charge:${chargeId}`, 'no_stream', events);
        }
      }),
    );
  } finally {
    await dataSource.destroy();
  }
  const first = chargeStateAsOf(await store.readStream(`charge:${charges[0].id}`));
  if (!chargeExists(first) || first.status !== 'CAPTURED' || capturedOf(first) !== CHARGE_AMOUNT) {
    throw new Error(`a seeded charge does not read as captured: ${JSON.stringify(first)}`);
  }
  return {
    merchant,
    apiKey,
    chargeIds: charges.slice(0, -1).map((c) => c.id),
    hotChargeId: charges[charges.length - 1].id,
    hotCaptured,
  };
}

/** What a charge's stream says was captured (as the refunds service counts it). */
function capturedOf(state: ReturnType<typeof chargeStateAsOf>): number {
  if (!chargeExists(state)) return 0;
  return state.captures.filter((c) => c.status === 'CAPTURED').reduce((total, c) => total + c.amount, 0);
}

// ---- The services ----

type Stack = BenchServices<'charges' | 'refunds'>;

function startStack(dbUrl: string, namespace: string): Promise<Stack> {
  return startBenchServices({
    databaseUrl: dbUrl,
    namespace,
    config,
    // Metrics listeners on free ports: the defaults (9300…) may be taken by another stack on this machine.
    env: { SANDBOX_PUBLIC_URL: 'http://127.0.0.1:3999', ...anyOpsPorts() },
    services: [{ name: 'charges' }, { name: 'refunds' }],
    from: SERVICES_FROM,
    outputTailChars: 3000,
  });
}

// ---- Load ----

interface LoadOptions {
  baseUrl: string;
  apiKey: string;
  /** The charge and amount of each request. */
  next: () => { chargeId: string; amount: number };
  duration?: number;
  amount?: number;
}

/** One autocannon run of refund requests, each with its own charge, amount and Idempotency-Key. */
async function load(options: LoadOptions): Promise<LoadResult> {
  if (interrupted) throw new Error('interrupted');
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const conflictCodes: Record<string, number> = {};
  const refundStatuses: Record<string, number> = {};
  const unexpected: string[] = [];
  const keyPrefix = `bench-${randomBytes(4).toString('hex')}`;
  let counter = 0;
  let lastCreatedAt = 0;
  let finish!: (error: unknown, result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const started = performance.now();
  const instance = autocannon(
    {
      url: options.baseUrl,
      connections: config.BENCH_REFUND_CLIENTS,
      method: 'POST',
      headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
      timeout: 10,
      ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration }),
      requests: [
        {
          setupRequest: (request) => {
            const { chargeId, amount } = options.next();
            return {
              ...request,
              path: `/v1/payment-charges/${chargeId}/refunds`,
              body: JSON.stringify({ amount }),
              headers: { ...request.headers, 'idempotency-key': `${keyPrefix}-${++counter}` },
            };
          },
          onResponse: (status, body) => {
            if (status === 201) {
              lastCreatedAt = performance.now();
              const refund = JSON.parse(body) as { status?: string };
              refundStatuses[String(refund.status)] = (refundStatuses[String(refund.status)] ?? 0) + 1;
            } else if (status === 409) {
              const code = String((JSON.parse(body) as { failureCode?: string }).failureCode);
              conflictCodes[code] = (conflictCodes[code] ?? 0) + 1;
            } else if (unexpected.length < 5) {
              unexpected.push(`${status}: ${body.slice(0, 300)}`);
            }
          },
        },
      ],
    },
    (error, result) => finish(error, result),
  );
  running = instance;
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    latencies.push(responseTime);
  });
  const result = await done;
  running = undefined;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    seconds: (performance.now() - started) / 1000,
    latencies,
    statuses,
    conflictCodes,
    refundStatuses,
    errors: result.errors + result.mismatches + result.resets,
    unexpected,
    lastCreatedAtSeconds: lastCreatedAt === 0 ? 0 : (lastCreatedAt - started) / 1000,
  };
}

const REFUND_EVENTS = `SELECT count(*) AS n FROM events WHERE stream_type = 'refund'`;

/** Requests cut off at the end of a duration-bounded run still finish on the server: wait until they have. */
async function quiesce(pool: Pool): Promise<void> {
  await sleep(1000);
  let last = await count(pool, REFUND_EVENTS);
  for (;;) {
    await sleep(500);
    const now = await count(pool, REFUND_EVENTS);
    if (now === last) return;
    last = now;
  }
}

/** Milliseconds until `behind` counts nothing left to do, or null after BENCH_CATCH_UP_SECONDS. */
async function catchUp(pool: Pool, behind: string): Promise<number | null> {
  const started = performance.now();
  while ((await count(pool, behind)) > 0) {
    if (performance.now() - started > config.BENCH_CATCH_UP_SECONDS * 1000) return null;
    await sleep(100);
  }
  return Math.round(performance.now() - started);
}

const countOf = (types: string[]) =>
  `(SELECT count(*) FROM events WHERE event_type IN (${types.map((t) => `'${t}'`).join(', ')}))`;
/** Settled refunds the charges service has not yet recorded on their charges' streams. */
const CHARGES_BEHIND = `SELECT ${countOf(['RefundSucceeded', 'RefundFailed'])} - ${countOf([
  'ChargeRefundSucceeded',
  'ChargeRefundFailed',
])} AS n`;
const REFUND_LIST_BEHIND = `SELECT ${countOf(['RefundRequested'])} - (SELECT count(*) FROM refund_list_view) AS n`;

// ---- The invariant ----

/** Every refund stream folded with the public model, against its charge's captured amount and the provider's books. */
async function checkInvariant(
  store: PostgresEventStore,
  pool: Pool,
): Promise<{
  invariant: Invariant;
  states: Map<string, ReturnType<typeof chargeRefundsAsOf>>;
  captured: Map<string, number>;
}> {
  const streams = new Map<string, RecordedEvent[]>();
  let cursor = LOG_START;
  for (;;) {
    const page = await store.readAll(cursor, { limit: 5000, streamTypes: ['refund'] });
    for (const event of page.events) {
      const chargeId = event.streamId.slice('refund:'.length);
      const list = streams.get(chargeId) ?? [];
      list.push(event);
      streams.set(chargeId, list);
    }
    cursor = page.cursor;
    if (page.events.length < 5000) break;
  }
  const states = new Map<string, ReturnType<typeof chargeRefundsAsOf>>();
  const captured = new Map<string, number>();
  const chargeIds = [...streams.keys()];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < chargeIds.length) {
        const chargeId = chargeIds[next++];
        captured.set(chargeId, capturedOf(chargeStateAsOf(await store.readStream(`charge:${chargeId}`))));
      }
    }),
  );
  const { rows } = await pool.query<{ charge_id: string; refunded: string }>(
    `SELECT charge_id, sum(amount) FILTER (WHERE state <> 'Declined') AS refunded
       FROM amazon_pay_sandbox_refunds GROUP BY charge_id`,
  );
  const providerRefunded = new Map(rows.map((r) => [r.charge_id, Number(r.refunded ?? 0)]));
  const providerCaptured = new Map(
    (
      await pool.query<{ charge_id: string; captured: string }>(
        `SELECT charge_id, sum(amount) AS captured FROM amazon_pay_sandbox_operations
          WHERE type = 'capture' GROUP BY charge_id`,
      )
    ).rows.map((r) => [r.charge_id, Number(r.captured)]),
  );
  const invariant: Invariant = {
    refundStreams: streams.size,
    refunds: 0,
    violations: 0,
    violationExamples: [],
    providerMismatches: 0,
    providerMismatchExamples: [],
    providerOverRefunds: 0,
  };
  for (const [chargeId, events] of streams) {
    const state = chargeRefundsAsOf(events);
    states.set(chargeId, state);
    invariant.refunds += state.refunds.length;
    const taken = amountTakenFromCaptured(state);
    const capturedAmount = captured.get(chargeId) ?? 0;
    if (taken > capturedAmount) {
      invariant.violations += 1;
      if (invariant.violationExamples.length < 20) {
        invariant.violationExamples.push({ chargeId, captured: capturedAmount, taken });
      }
    }
    const notFailed = state.refunds.reduce((total, r) => (r.status === 'FAILED' ? total : total + r.amount), 0);
    const atProvider = providerRefunded.get(chargeId) ?? 0;
    if (notFailed !== atProvider) {
      invariant.providerMismatches += 1;
      if (invariant.providerMismatchExamples.length < 20) {
        invariant.providerMismatchExamples.push({ chargeId, stream: notFailed, provider: atProvider });
      }
    }
  }
  for (const [chargeId, refunded] of providerRefunded) {
    if (refunded > (providerCaptured.get(chargeId) ?? 0)) invariant.providerOverRefunds += 1;
  }
  return { invariant, states, captured };
}

// ---- Scenarios ----

async function measure(
  name: string,
  options: LoadOptions,
  stack: Stack,
  pool: Pool,
  store: PostgresEventStore,
): Promise<{
  row: Row;
  lastCreatedAtSeconds: number;
  states: Map<string, ReturnType<typeof chargeRefundsAsOf>>;
  captured: Map<string, number>;
}> {
  const cpuBefore = cpuSnapshot(stack.pids);
  const run = await load(options);
  const cpuAfter = cpuSnapshot(stack.pids);
  await quiesce(pool);
  const chargesRecordedAfterMs = await catchUp(pool, CHARGES_BEHIND);
  const refundListCaughtUpAfterMs = await catchUp(pool, REFUND_LIST_BEHIND);
  const { invariant, states, captured } = await checkInvariant(store, pool);
  const created = run.statuses[201] ?? 0;
  const conflicts = run.statuses[409] ?? 0;
  const other = run.requests - created - conflicts;
  const cpu = cpuPerUnit(cpuBefore, cpuAfter, run.requests);
  const failures: string[] = [];
  if (invariant.violations > 0) failures.push(`${invariant.violations} charges refunded beyond their capture`);
  if (invariant.providerMismatches > 0) {
    failures.push(`${invariant.providerMismatches} charges whose provider refunds differ from their refund stream`);
  }
  if (invariant.providerOverRefunds > 0) {
    failures.push(`${invariant.providerOverRefunds} charges the provider refunded beyond its capture`);
  }
  if (other > 0 || run.errors > 0) {
    failures.push(`${other} answers neither 201 nor 409, ${run.errors} errors/timeouts: ${run.unexpected.join(' | ')}`);
  }
  const row: Row = {
    scenario: name,
    clients: config.BENCH_REFUND_CLIENTS,
    seconds: Number(run.seconds.toFixed(1)),
    requests: run.requests,
    refundsPerSecond: Math.round(created / Math.max(run.seconds, 0.001)),
    requestsPerSecond: Math.round(run.requests / Math.max(run.seconds, 0.001)),
    p50Ms: percentile(run.latencies, 0.5),
    p90Ms: percentile(run.latencies, 0.9),
    p99Ms: percentile(run.latencies, 0.99),
    maxMs: percentile(run.latencies, 1),
    answers: { created201: created, conflict409: conflicts, other },
    statuses: run.statuses,
    conflictCodes: run.conflictCodes,
    refundStatuses: run.refundStatuses,
    errors: run.errors,
    ...(run.unexpected.length > 0 ? { unexpectedAnswers: run.unexpected } : {}),
    cpuMsPerRequest: cpu.cpuMsPerUnit,
    machineCpuBusy: cpu.machineCpuBusy,
    chargesRecordedAfterMs,
    refundListCaughtUpAfterMs,
    invariant,
    failures,
  };
  return { row, lastCreatedAtSeconds: run.lastCreatedAtSeconds, states, captured };
}

async function runSpread(stack: Stack, seeded: Seeded, pool: Pool, store: PostgresEventStore): Promise<Row> {
  const next = () => ({
    chargeId: seeded.chargeIds[randomInt(seeded.chargeIds.length)],
    amount: 1 + randomInt(SPREAD_MAX_REFUND),
  });
  const base = { baseUrl: stack.baseUrl, apiKey: seeded.apiKey, next };
  if (config.BENCH_WARMUP_SECONDS > 0) {
    const warmUp = await load({ ...base, duration: config.BENCH_WARMUP_SECONDS });
    const ok = (warmUp.statuses[201] ?? 0) + (warmUp.statuses[409] ?? 0);
    if (ok < warmUp.requests || warmUp.errors > 0) {
      throw new Error(
        `warm-up: ${warmUp.requests - ok} answers neither 201 nor 409 (${warmUp.unexpected.join(' | ')}), ` +
          `${warmUp.errors} errors. Service output (tail):\n${stack.output()}`,
      );
    }
    await quiesce(pool);
    await pool.query('VACUUM ANALYZE');
  }
  const { row } = await measure(
    SCENARIO_NAMES.spread,
    { ...base, duration: config.BENCH_REFUNDS_SECONDS },
    stack,
    pool,
    store,
  );
  return row;
}

async function runHot(stack: Stack, seeded: Seeded, pool: Pool, store: PostgresEventStore): Promise<Row> {
  const expectedCreated = config.BENCH_HOT_REFUNDS;
  const expectedConflicts = config.BENCH_REFUND_CLIENTS * HOT_EXTRA_ATTEMPTS_PER_CLIENT;
  const { row, lastCreatedAtSeconds, states, captured } = await measure(
    SCENARIO_NAMES.hot,
    {
      baseUrl: stack.baseUrl,
      apiKey: seeded.apiKey,
      next: () => ({ chargeId: seeded.hotChargeId, amount: HOT_REFUND_AMOUNT }),
      amount: expectedCreated + expectedConflicts,
    },
    stack,
    pool,
    store,
  );
  // Its rate is up to the last refund made: the 409s after it are fast and would flatter it.
  if (lastCreatedAtSeconds > 0) row.refundsPerSecond = Math.round(row.answers.created201 / lastCreatedAtSeconds);
  const state = states.get(seeded.hotChargeId);
  const capturedAmount = captured.get(seeded.hotChargeId) ?? 0;
  const taken = state ? amountTakenFromCaptured(state) : 0;
  const refunded = state ? refundedAmount(state) : 0;
  const fullyRefunded =
    capturedAmount === seeded.hotCaptured && taken === capturedAmount && refunded === capturedAmount;
  row.hotCharge = {
    chargeId: seeded.hotChargeId,
    captured: capturedAmount,
    taken,
    refunded,
    expectedCreated,
    expectedConflicts,
    fullyRefunded,
  };
  if (!fullyRefunded) {
    row.failures.push(`the hot charge captured ${capturedAmount}, ended with ${taken} taken and ${refunded} refunded`);
  }
  if (row.answers.created201 !== expectedCreated) {
    row.failures.push(`${row.answers.created201} refunds created on the hot charge, ${expectedCreated} expected`);
  }
  const exceeded = row.conflictCodes.amount_exceeds_refundable ?? 0;
  if (row.answers.conflict409 !== expectedConflicts || exceeded !== expectedConflicts) {
    row.failures.push(
      `${row.answers.conflict409} answers 409 (${exceeded} amount_exceeds_refundable), ${expectedConflicts} expected`,
    );
  }
  return row;
}

function report(row: Row): void {
  console.error(
    `${row.scenario}: ${row.refundsPerSecond} refunds/s (${row.requestsPerSecond} req/s), p50 ${row.p50Ms} ms, ` +
      `p99 ${row.p99Ms} ms; 201 ${row.answers.created201}, 409 ${row.answers.conflict409}, other ` +
      `${row.answers.other}; ${row.invariant.violations} invariant violations over ${row.invariant.refundStreams} ` +
      `charges (${row.invariant.refunds} refunds)` +
      (row.hotCharge ? `; hot charge fully refunded: ${row.hotCharge.fullyRefunded}` : ''),
  );
  for (const example of row.invariant.violationExamples) {
    console.error(`  VIOLATION: ${example.chargeId} captured ${example.captured}, taken ${example.taken}`);
  }
  for (const failure of row.failures) console.error(`  FAILED: ${failure}`);
}

/** Runs during which other processes on this shared machine used a noticeable share of the CPU. */
function warnings(rows: Row[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    const cpu = r.cpuMsPerRequest;
    const total = cpu ? Object.values(cpu).reduce((a, b) => a + b, 0) : 0;
    if (cpu && (cpu.other ?? 0) > 0.1 * total) {
      out.push(
        `${r.scenario}: processes outside the bench used ${cpu.other} CPU-ms per request; the machine was shared ` +
          'during this run, rerun for a clean number',
      );
    }
    if (r.chargesRecordedAfterMs === null) {
      out.push(`${r.scenario}: the charges service had not recorded every settled refund within the catch-up bound`);
    }
    if (r.refundListCaughtUpAfterMs === null) {
      out.push(`${r.scenario}: the refund list read model had not caught up within the catch-up bound`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {
    interrupted = true;
    running?.stop();
  });
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  const calibrationMs = cpuCalibrationMs();
  const bench = await benchEnvironment(config.DATABASE_URL, config.KAFKA_BROKERS, 16);
  const { pool, url, namespace, postgres } = bench;
  const store = new PostgresEventStore(pool);
  const results: Row[] = [];
  let seedMs = 0;
  let stack: Stack | undefined;
  try {
    const seedStarted = Date.now();
    const seeded = await seedCharges(url, pool);
    seedMs = Date.now() - seedStarted;
    console.error(`seeded ${seeded.chargeIds.length} + 1 captured charges in ${seedMs} ms`);
    await pool.query('VACUUM ANALYZE');
    stack = await startStack(url, namespace);
    // The charges service's list projection reads the seeded charges at start: let it finish before measuring.
    const listed = await catchUp(
      pool,
      `SELECT ${countOf(['ChargeCreated'])} - (SELECT count(*) FROM charge_list_view) AS n`,
    );
    if (listed === null) console.warn('the charge list read model had not caught up with the seeded charges');

    // One refund through the whole path, checked by hand.
    const probe = await fetch(`${stack.baseUrl}/v1/payment-charges/${seeded.chargeIds[0]}/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${seeded.apiKey}`,
        'content-type': 'application/json',
        'idempotency-key': `bench-probe-${randomBytes(4).toString('hex')}`,
      },
      body: JSON.stringify({ amount: 1 }),
    });
    const refund = (await probe.json()) as { id?: string; status?: string };
    if (probe.status !== 201 || !refund.id?.startsWith('refund_')) {
      throw new Error(
        `refunding a seeded charge answered ${probe.status}: ${JSON.stringify(refund)}\n${stack.output()}`,
      );
    }

    const spread = await runSpread(stack, seeded, pool, store);
    report(spread);
    results.push(spread);
    await pool.query('VACUUM ANALYZE');
    const hot = await runHot(stack, seeded, pool, store);
    report(hot);
    results.push(hot);
  } finally {
    await stack?.stop();
    await bench.dispose();
  }

  const spread = results.find((r) => r.scenario === SCENARIO_NAMES.spread);
  const failures = results.flatMap((r) => r.failures.map((f) => `${r.scenario}: ${f}`));
  const target = spread && {
    scenario: spread.scenario,
    refundsPerSecond: TARGET_REFUNDS_PER_SECOND,
    measuredRefundsPerSecond: spread.refundsPerSecond,
    measuredP50Ms: spread.p50Ms,
    measuredP99Ms: spread.p99Ms,
    met: spread.refundsPerSecond >= TARGET_REFUNDS_PER_SECOND,
  };
  const record = {
    name: 'refunds',
    date: new Date().toISOString(),
    machine: hostFacts(postgres, loadAtStart, calibrationMs),
    commit: gitCommit(),
    settings: {
      charges: config.BENCH_REFUND_CHARGES,
      chargeAmount: CHARGE_AMOUNT,
      spreadRefundAmount: `1-${SPREAD_MAX_REFUND}`,
      hotRefunds: config.BENCH_HOT_REFUNDS,
      hotRefundAmount: HOT_REFUND_AMOUNT,
      clients: config.BENCH_REFUND_CLIENTS,
      warmupSeconds: config.BENCH_WARMUP_SECONDS,
      seconds: config.BENCH_REFUNDS_SECONDS,
      seedMs,
      databasePoolSizePerService: config.BENCH_DATABASE_POOL_SIZE,
      services: `gateway, charges and refunds, one Node process each, ${describeServiceCode(SERVICES_FROM)}, LOG_LEVEL=warn`,
    },
    target,
    passed: failures.length === 0,
    failures,
    warnings: warnings(results),
    notes:
      'refundsPerSecond: 201 answers per second ((b): up to the last one). cpuMsPerRequest: CPU milliseconds each ' +
      'process spent per refund request over the measured run. invariant: every refund stream folded with ' +
      'chargeRefundsAsOf; amountTakenFromCaptured never above the captured amount of the charge stream.',
    results,
  };
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      'refunds/s': r.refundsPerSecond,
      'req/s': r.requestsPerSecond,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      '201': r.answers.created201,
      '409': r.answers.conflict409,
      other: r.answers.other,
      violations: r.invariant.violations,
      chargesRecordedMs: r.chargesRecordedAfterMs,
    })),
  );
  console.table(
    Object.fromEntries(results.map((r) => [r.scenario, { ...r.cpuMsPerRequest, machineBusy: r.machineCpuBusy }])),
  );
  for (const warning of record.warnings) console.warn(`warning: ${warning}`);
  if (target) {
    console.log(
      `target: spread refunds >= ${TARGET_REFUNDS_PER_SECOND}/s: ${target.met ? 'MET' : 'MISSED'} ` +
        `(${target.measuredRefundsPerSecond}/s, p50 ${target.measuredP50Ms} ms, p99 ${target.measuredP99Ms} ms)`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'refunds.json'), JSON.stringify(record, null, 2) + '\n');
  if (failures.length > 0) {
    throw new Error(`checks failed:\n${failures.join('\n')}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
