/**
 * `npm run bench:gateway`: the public API end to end, with the charges service and the gateway each in its own
 * process (TCP between them, real PostgreSQL and Kafka), driven over HTTP by autocannon from this process.
 *
 * Closed-loop scenarios (capacity), each warmed up then measured with autocannon at a fixed connection count (16 and
 * 32 by default), every connection sending its next request as soon as the last is answered:
 *   - the ceiling: GET /health/live on the same gateway (HTTP stack only, no backing service);
 *   - (a) POST /v1/payment-charges (seed 001 body), no idempotency key;
 *   - (b) the same with a unique Request-Idempotency-Key per request;
 *   - (c) GET /v1/payment-charges/{id} of a created charge.
 * The target scenario, open-loop:
 *   - (e) POST /v1/payment-charges arriving at BENCH_RATE (1,000) per second, evenly spaced, whatever the answers
 *     (bench/support/open-loop.ts), each latency measured from the request's scheduled send time. Its warm-up
 *     (BENCH_RATE_WARMUP_SECONDS, 10) runs straight into the measured span at the same rate. Latency traces showed
 *     a freshly started stack needs seconds of traffic before it stops building a backlog (V8 still compiling on
 *     the same 2 cores): after a 3 s warm-up and a pause, the first second of the measured span could hold
 *     answers of 100–450 ms and decide its p99 alone. Each service's RSS is reported at rest (started, before any
 *     load), after warm-up and at the end of (e) (medians of the run's second and last fifths): a long run
 *     (BENCH_SECONDS=600) shows whether memory stays within 10% of its warm-up level.
 * Why the target is judged on (e): "1,000 req/s with p99 < 50 ms" is a latency objective at an arrival rate. A
 * closed loop run at saturation always queues (mean latency = connections / throughput, by Little's law), so its
 * p99 says how many connections were chosen more than how the service behaves at 1,000 req/s; it is kept for the
 * capacity it shows. The target is met when (e) is answered at the offered rate (within 1%), every answer 2xx,
 * with p99 < 50 ms.
 * Any error, timeout or non-2xx answer fails the bench. Create runs are measured over a fixed number of requests
 * (about BENCH_SECONDS at the warm-up's rate) so that no request is cut off in flight, and afterwards the number of
 * ChargeCreated events written must equal the number of 2xx answers. The time the list read model (the charges
 * service's projection of the event store) needs to catch up after a create run is reported, as is the CPU each
 * process spent per request (from /proc), so a number that the background work cannot sustain does not go
 * unnoticed; CPU used by processes outside the bench (`other`: this machine is shared) is reported too, and a run
 * where it is large is flagged.
 *
 * Isolation: a fresh database `pl_bench_<random>` (dropped at the end) and a Kafka topic namespace of its own
 * (topics and consumer groups, which libs/messaging names `<namespace>.<consumer>`, deleted at the end).
 * Results: bench/results/gateway.json.
 *
 * Knobs: BENCH_SECONDS (15), BENCH_WARMUP_SECONDS (3, closed loop), BENCH_CONNECTIONS (16,32), BENCH_SCENARIOS
 * (all of health,create,create-idempotent,get,create-at-rate), BENCH_RATE (1000), BENCH_RATE_CONNECTIONS (64) and
 * BENCH_RATE_WARMUP_SECONDS (10) for (e), BENCH_DATABASE_POOL_SIZE (10, per service), BENCH_SERVICE_NODE_OPTIONS
 * (extra NODE_OPTIONS for both services, e.g. a profiler preload), BENCH_SERVICES_FROM (build: see
 * support/service-code.ts), BENCH_LATENCY_TRACE (a file to write (e)'s latency per request to, by scheduled time:
 * when the slow ones came).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { env, loadConfig } from '@payment-ledger/platform';
import { createMerchant } from '../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { benchEnvironment, count, gitCommit, hostFacts, percentile, startBenchServices } from './support/bench-stack';
import { benchServicesConfigSchema } from './support/bench-stack';
import { cpuCalibrationMs, cpuPerUnit, cpuSnapshot } from './support/cpu-accounting';
import { type LoadRun, okAnswers } from './support/load-run';
import { openLoop } from './support/open-loop';
import { memoryCurve, rssMbNow, sampleRss } from './support/memory';
import { describeServiceCode, serviceCodeSource } from './support/service-code';

const CLOSED_LOOP_SCENARIOS = ['health', 'create', 'create-idempotent', 'get'] as const;
const SCENARIOS = [...CLOSED_LOOP_SCENARIOS, 'create-at-rate'] as const;
type ScenarioKey = (typeof SCENARIOS)[number];

const config = loadConfig({
  ...benchServicesConfigSchema,
  BENCH_SECONDS: env.int({ default: 15, min: 1, max: 300 }),
  BENCH_WARMUP_SECONDS: env.int({ default: 3, min: 1, max: 60 }),
  BENCH_CONNECTIONS: env.list({ default: ['16', '32'] }),
  BENCH_SCENARIOS: env.list({ default: [...SCENARIOS] }),
  BENCH_RATE: env.int({ default: 1000, min: 1, max: 20_000 }),
  BENCH_RATE_CONNECTIONS: env.int({ default: 64, min: 1, max: 1024 }),
  BENCH_RATE_WARMUP_SECONDS: env.int({ default: 10, min: 1, max: 300 }),
  BENCH_SERVICE_NODE_OPTIONS: env.optionalString(),
  BENCH_LATENCY_TRACE: env.optionalString(),
});
const CONNECTION_COUNTS = config.BENCH_CONNECTIONS.map((c) => {
  if (!/^\d+$/.test(c) || Number(c) < 1) throw new Error(`BENCH_CONNECTIONS: "${c}" is not a positive integer`);
  return Number(c);
});
const SERVICES_FROM = serviceCodeSource(config.BENCH_SERVICES_FROM);
const SELECTED = config.BENCH_SCENARIOS.map((s) => {
  if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`BENCH_SCENARIOS: unknown "${s}"`);
  return s as ScenarioKey;
});

/** DESIGN.md "Performance targets": gateway create-charge end to end. */
const TARGET = { requestsPerSecond: 1000, p99Ms: 50 };
const SEED_001_BODY = JSON.stringify({
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
});
const SCENARIO_NAMES: Record<ScenarioKey, string> = {
  health: '(d) ceiling: GET /health/live',
  create: '(a) POST /v1/payment-charges',
  'create-idempotent': '(b) POST /v1/payment-charges + Request-Idempotency-Key',
  get: '(c) GET /v1/payment-charges/{id}',
  'create-at-rate': '(e) POST /v1/payment-charges at a fixed arrival rate',
};
const READ_MODEL_TIMEOUT_MS = 180_000;

interface Row {
  scenario: string;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  seconds: number;
  /** (e) only: the arrival rate offered (`requestsPerSecond` is the rate answered). */
  offeredRate?: number;
  healthCeilingRps?: number;
  ratioToHealthCeiling?: number;
  chargeCreatedEvents?: number;
  readModelCatchUpMs?: number;
  /** CPU milliseconds per request, by process, over the measured run; `other` is the rest of the machine. */
  cpuMsPerRequest?: Record<string, number>;
  /** Share of the machine's CPU time in use during the measured run. */
  machineCpuBusy?: number;
  /**
   * (e) only: each service's RSS in MB at rest (started, before any load) and over the run (warm-up included), with
   * whether the end of the run is within 10% of the RSS after warm-up (`support/memory.ts`).
   */
  memory?: Record<
    string,
    { atRestMb: number; warmUpRssMb: number; endRssMb: number; peakRssMb: number; flat: boolean }
  >;
}

interface LoadOptions {
  url: string;
  connections: number;
  method?: 'GET' | 'POST';
  body?: string;
  headers: Record<string, string>;
  duration?: number;
  amount?: number;
  /** Adds a unique Request-Idempotency-Key to every request. */
  idempotencyKeyPrefix?: string;
}

let interrupted = false;
let running: autocannon.Instance | undefined;

/** One autocannon run; latencies are taken from every response (sub-millisecond), not autocannon's histogram. */
async function load(options: LoadOptions): Promise<LoadRun> {
  if (interrupted) throw new Error('interrupted');
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  // Unique across runs: a key reused from the warm-up would be answered by replay, creating nothing.
  const keyPrefix = `${options.idempotencyKeyPrefix}-${randomBytes(4).toString('hex')}`;
  let counter = 0;
  let finish!: (error: unknown, result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = (error, result) => (error ? reject(error) : resolve(result));
  });
  const started = performance.now();
  const instance = autocannon(
    {
      url: options.url,
      connections: options.connections,
      method: options.method ?? 'GET',
      body: options.body,
      headers: options.headers,
      timeout: 10,
      ...(options.amount !== undefined ? { amount: options.amount } : { duration: options.duration }),
      ...(options.idempotencyKeyPrefix !== undefined
        ? {
            requests: [
              {
                setupRequest: (request) => ({
                  ...request,
                  headers: {
                    ...request.headers,
                    'request-idempotency-key': `${keyPrefix}-${++counter}`,
                  },
                }),
              },
            ],
          }
        : {}),
    },
    (error, result) => finish(error, result),
  );
  running = instance;
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    latencies.push(responseTime);
  });
  const result = await done;
  const seconds = (performance.now() - started) / 1000;
  running = undefined;
  latencies.sort((a, b) => a - b);
  const ok = okAnswers(statuses);
  return {
    requests: latencies.length,
    ok,
    non2xx: latencies.length - ok,
    errors: result.errors + result.mismatches + result.resets, // errors include timeouts
    statuses,
    seconds,
    latencies,
  };
}

function assertClean(
  label: string,
  run: Pick<LoadRun, 'requests' | 'non2xx' | 'errors' | 'statuses'>,
  output: () => string,
): void {
  if (run.non2xx === 0 && run.errors === 0 && run.requests > 0) return;
  throw new Error(
    `${label}: ${run.requests} responses, ${run.non2xx} non-2xx (statuses ${JSON.stringify(run.statuses)}), ` +
      `${run.errors} errors/timeouts. Service output (tail):\n${output().slice(-4000)}`,
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const CHARGES_CREATED = `SELECT count(*) AS n FROM events WHERE event_type = 'ChargeCreated'`;
const READ_MODEL_BEHIND = `SELECT (${CHARGES_CREATED}) - (SELECT count(*) FROM charge_list_view) AS n`;

/** After a duration-bounded run, requests cut off in flight still finish on the server: wait until they have. */
async function quiesce(pool: Pool): Promise<number> {
  await sleep(1000);
  let last = await count(pool, CHARGES_CREATED);
  for (;;) {
    await sleep(500);
    const now = await count(pool, CHARGES_CREATED);
    if (now === last) return now;
    last = now;
  }
}

/** Milliseconds until every created charge is in the list read model (the projection runner, polling the store). */
async function readModelCatchUp(pool: Pool): Promise<number> {
  const started = performance.now();
  while ((await count(pool, READ_MODEL_BEHIND)) > 0) {
    if (performance.now() - started > READ_MODEL_TIMEOUT_MS) {
      throw new Error(`the charge list read model did not catch up within ${READ_MODEL_TIMEOUT_MS} ms`);
    }
    await sleep(50);
  }
  return Math.round(performance.now() - started);
}

// ---- Machine description ----

/** Runs during which other processes on this shared machine used a noticeable share of the CPU. */
function noiseWarnings(rows: Row[]): string[] {
  return rows
    .filter((r) => {
      const cpu = r.cpuMsPerRequest;
      if (!cpu) return false;
      const total = Object.values(cpu).reduce((a, b) => a + (b ?? 0), 0);
      return (cpu.other ?? 0) > 0.1 * total;
    })
    .map(
      (r) =>
        `${r.scenario} @${r.connections}: processes outside the bench used ${r.cpuMsPerRequest!.other} CPU-ms ` +
        `per request; the machine was shared during this run, rerun for a clean number`,
    );
}

// ---- The run ----

interface Stack {
  baseUrl: string;
  apiKey: string;
  chargeId: string;
  pids: { gateway: number; charges: number };
  /** Each service's RSS in MB once started, before any load. */
  rssAtRestMb: Record<string, number>;
  output: () => string;
}

type ClosedLoopKey = (typeof CLOSED_LOOP_SCENARIOS)[number];

const completedKeys = (pool: Pool) =>
  count(pool, `SELECT count(*) AS n FROM idempotency_keys WHERE state = 'completed'`);

/**
 * Requests cut off at the end of a warm-up still complete: waits for them, then for the read model. Then vacuums
 * and analyzes, as autovacuum would on a production server: this machine's PostgreSQL runs with autovacuum off
 * (its CI configuration), and without it each scenario would meet the dead rows and missing statistics of every
 * one before it.
 */
async function settleCreates(pool: Pool): Promise<number> {
  const created = await quiesce(pool);
  await readModelCatchUp(pool);
  await pool.query('VACUUM ANALYZE');
  return created;
}

/** Every 2xx create wrote exactly one ChargeCreated (and, keyed, completed one idempotency key). */
async function checkCreates(
  pool: Pool,
  label: string,
  ok: number,
  before: { created: number; keys: number },
  keyed: boolean,
): Promise<Pick<Row, 'chargeCreatedEvents' | 'readModelCatchUpMs'>> {
  const written = (await count(pool, CHARGES_CREATED)) - before.created;
  if (written !== ok)
    throw new Error(`${label}: ${ok} charges answered 2xx but ${written} ChargeCreated events were written`);
  if (keyed) {
    const completed = (await completedKeys(pool)) - before.keys;
    if (completed !== ok) throw new Error(`${label}: ${ok} answers 2xx but ${completed} idempotency keys completed`);
  }
  return { chargeCreatedEvents: written, readModelCatchUpMs: await readModelCatchUp(pool) };
}

function latencyColumns(latencies: number[]): Pick<Row, 'p50Ms' | 'p90Ms' | 'p99Ms' | 'maxMs'> {
  return {
    p50Ms: percentile(latencies, 0.5),
    p90Ms: percentile(latencies, 0.9),
    p99Ms: percentile(latencies, 0.99),
    maxMs: percentile(latencies, 1),
  };
}

function report(label: string, row: Row): Row {
  console.error(
    `${label}: ${row.requestsPerSecond} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms` +
      (row.readModelCatchUpMs !== undefined ? `, read model caught up ${row.readModelCatchUpMs} ms later` : ''),
  );
  for (const [name, m] of Object.entries(row.memory ?? {})) {
    console.error(
      `  ${name} RSS: ${m.atRestMb} MB at rest, ${m.warmUpRssMb} after warm-up, ${m.endRssMb} at the end ` +
        `(peak ${m.peakRssMb}): ${m.flat ? 'flat' : 'NOT flat'}`,
    );
  }
  return row;
}

async function runScenario(key: ClosedLoopKey, connections: number, stack: Stack, pool: Pool): Promise<Row> {
  const auth = { authorization: `Bearer ${stack.apiKey}` };
  const base: Omit<LoadOptions, 'duration' | 'amount'> =
    key === 'health'
      ? { url: `${stack.baseUrl}/health/live`, connections, headers: {} }
      : key === 'get'
        ? { url: `${stack.baseUrl}/v1/payment-charges/${stack.chargeId}`, connections, headers: auth }
        : {
            url: `${stack.baseUrl}/v1/payment-charges`,
            connections,
            method: 'POST',
            body: SEED_001_BODY,
            headers: { ...auth, 'content-type': 'application/json' },
            idempotencyKeyPrefix: key === 'create-idempotent' ? 'bench' : undefined,
          };
  const creates = key === 'create' || key === 'create-idempotent';
  const label = `${SCENARIO_NAMES[key]} @${connections}`;

  const warmUp = await load({ ...base, duration: config.BENCH_WARMUP_SECONDS });
  assertClean(`${label} warm-up`, warmUp, stack.output);
  const before = { created: creates ? await settleCreates(pool) : 0, keys: await completedKeys(pool) };

  const cpuBefore = cpuSnapshot(stack.pids);
  const run = creates
    ? // A fixed number of requests, all answered, so the events written can be counted against the 2xx answers.
      await load({
        ...base,
        amount: Math.max(connections * 20, Math.round((warmUp.requests / warmUp.seconds) * config.BENCH_SECONDS)),
      })
    : await load({ ...base, duration: config.BENCH_SECONDS });
  const cpuAfter = cpuSnapshot(stack.pids);
  assertClean(label, run, stack.output);

  const row: Row = {
    scenario: SCENARIO_NAMES[key],
    connections,
    requestsPerSecond: Math.round(run.requests / run.seconds),
    ...latencyColumns(run.latencies),
    requests: run.requests,
    non2xx: run.non2xx,
    errors: run.errors,
    seconds: Number(run.seconds.toFixed(1)),
  };
  if (creates) Object.assign(row, await checkCreates(pool, label, run.ok, before, key === 'create-idempotent'));
  const cpu = cpuPerUnit(cpuBefore, cpuAfter, run.requests);
  Object.assign(row, { cpuMsPerRequest: cpu.cpuMsPerUnit, machineCpuBusy: cpu.machineCpuBusy });
  return report(label, row);
}

/** (e): creates arriving at BENCH_RATE per second, open loop, over BENCH_RATE_CONNECTIONS keep-alive sockets. */
async function runAtRate(stack: Stack, pool: Pool): Promise<Row> {
  const rate = config.BENCH_RATE;
  const connections = config.BENCH_RATE_CONNECTIONS;
  const options = {
    url: `${stack.baseUrl}/v1/payment-charges`,
    rate,
    connections,
    method: 'POST' as const,
    body: SEED_001_BODY,
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
  };
  const label = `${SCENARIO_NAMES['create-at-rate']} ${rate}/s`;
  const before = { created: await settleCreates(pool), keys: await completedKeys(pool) };

  // The warm-up runs straight into the measured span: a pause between them would let the measured span start cold.
  // Half-way through the warm-up, under load, the ANALYZE that autovacuum would make by then (it is off on this
  // machine): statistics taken on near-empty tables before the warm-up make the planner scan them whole later.
  let analyzed: Promise<unknown> = Promise.resolve();
  const analyze = setTimeout(() => (analyzed = pool.query('ANALYZE')), (config.BENCH_RATE_WARMUP_SECONDS * 1000) / 2);
  let cpuBefore!: ReturnType<typeof cpuSnapshot>;
  const rss = sampleRss(stack.pids, 500);
  const started = performance.now();
  const run = await openLoop({
    ...options,
    warmUpSeconds: config.BENCH_RATE_WARMUP_SECONDS,
    seconds: config.BENCH_SECONDS,
    onMeasuring: () => (cpuBefore = cpuSnapshot(stack.pids)),
    traceFile: config.BENCH_LATENCY_TRACE,
  });
  const cpuAfter = cpuSnapshot(stack.pids);
  const rssSamples = rss.stop();
  const runSeconds = (performance.now() - started) / 1000;
  clearTimeout(analyze);
  await analyzed;
  assertClean(`${label} warm-up`, run.warmUp, stack.output);
  assertClean(label, run, stack.output);

  const row: Row = {
    scenario: SCENARIO_NAMES['create-at-rate'],
    connections,
    offeredRate: rate,
    requestsPerSecond: run.achievedRate,
    ...latencyColumns(run.latencies),
    requests: run.requests,
    non2xx: run.non2xx,
    errors: run.errors,
    seconds: Number(run.seconds.toFixed(1)),
    ...(await checkCreates(pool, label, run.warmUp.ok + run.ok, before, false)),
  };
  const cpu = cpuPerUnit(cpuBefore, cpuAfter, run.requests);
  Object.assign(row, { cpuMsPerRequest: cpu.cpuMsPerUnit, machineCpuBusy: cpu.machineCpuBusy });
  row.memory = Object.fromEntries(
    Object.entries(rssSamples).map(([name, samples]) => {
      const { warmUpRssMb, endRssMb, peakRssMb, flat } = memoryCurve(samples, runSeconds);
      return [name, { atRestMb: stack.rssAtRestMb[name], warmUpRssMb, endRssMb, peakRssMb, flat }];
    }),
  );
  return report(label, row);
}

async function startStack(
  dbUrl: string,
  pool: Pool,
  namespace: string,
): Promise<
  Stack & {
    stop: () => Promise<void>;
  }
> {
  const extra = config.BENCH_SERVICE_NODE_OPTIONS ?? '';
  const services = await startBenchServices({
    databaseUrl: dbUrl,
    namespace,
    config,
    services: [{ name: 'charges', env: { SANDBOX_PUBLIC_URL: 'http://127.0.0.1:3999', NODE_OPTIONS: extra } }],
    gatewayEnv: { NODE_OPTIONS: extra },
    from: SERVICES_FROM,
  });
  const { baseUrl } = services;
  try {
    const { apiKey } = await createMerchant(pool, 'Bench Merchant', 'SANDBOX');

    // One charge through the whole path, checked by hand: it is also the one scenario (c) reads.
    const created = await fetch(`${baseUrl}/v1/payment-charges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: SEED_001_BODY,
    });
    const charge = (await created.json()) as { id?: string; status?: string };
    if (created.status !== 201 || !charge.id?.startsWith('charge_')) {
      throw new Error(`creating a charge answered ${created.status}: ${JSON.stringify(charge)}`);
    }
    const read = await fetch(`${baseUrl}/v1/payment-charges/${charge.id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    if (read.status !== 200) throw new Error(`reading the charge answered ${read.status}: ${await read.text()}`);
    return { ...services, apiKey, chargeId: charge.id, rssAtRestMb: rssMbNow(services.pids) };
  } catch (error) {
    await services.stop();
    throw error;
  }
}

/**
 * The target is judged on (e) when it ran: answered at the offered rate (within 1%) with p99 under the limit. Without
 * (e), on (a): the connection count with the best throughput at p99 < 50 ms, or else the best throughput.
 */
function targetRow(rows: Row[]): { row: Row; selection: string; met: boolean } | undefined {
  const atRate = rows.find((r) => r.scenario === SCENARIO_NAMES['create-at-rate']);
  if (atRate) {
    return {
      row: atRate,
      selection: `open loop: ${atRate.offeredRate} creates/s offered over ${atRate.connections} connections`,
      met:
        atRate.offeredRate! >= TARGET.requestsPerSecond &&
        atRate.requestsPerSecond >= 0.99 * atRate.offeredRate! &&
        atRate.p99Ms < TARGET.p99Ms,
    };
  }
  const creates = rows.filter((r) => r.scenario === SCENARIO_NAMES.create);
  const withinLatency = creates.filter((r) => r.p99Ms < TARGET.p99Ms);
  const byThroughput = (list: Row[]) => [...list].sort((a, b) => b.requestsPerSecond - a.requestsPerSecond)[0];
  const met = (row: Row) => row.requestsPerSecond >= TARGET.requestsPerSecond && row.p99Ms < TARGET.p99Ms;
  if (withinLatency.length > 0) {
    const row = byThroughput(withinLatency);
    return { row, selection: `closed loop: best throughput with p99 < ${TARGET.p99Ms} ms`, met: met(row) };
  }
  if (creates.length === 0) return undefined;
  const row = byThroughput(creates);
  return { row, selection: `closed loop: no connection count kept p99 < ${TARGET.p99Ms} ms`, met: met(row) };
}

async function main(): Promise<void> {
  process.on('SIGINT', () => {
    interrupted = true;
    running?.stop();
  });
  const loadAtStart = Number(loadavg()[0].toFixed(2));
  const calibrationMs = cpuCalibrationMs();
  const bench = await benchEnvironment(config.DATABASE_URL, config.KAFKA_BROKERS, 2);
  const { pool, url, namespace, postgres } = bench;
  const results: Row[] = [];
  let stack: Awaited<ReturnType<typeof startStack>> | undefined;
  try {
    stack = await startStack(url, pool, namespace);
    for (const connections of CONNECTION_COUNTS) {
      let ceiling: number | undefined;
      for (const key of CLOSED_LOOP_SCENARIOS.filter((s) => SELECTED.includes(s))) {
        const row = await runScenario(key, connections, stack, pool);
        if (key === 'health') ceiling = row.requestsPerSecond;
        else if (ceiling !== undefined) {
          row.healthCeilingRps = ceiling;
          row.ratioToHealthCeiling = Number((row.requestsPerSecond / ceiling).toFixed(2));
        }
        results.push(row);
      }
    }
    if (SELECTED.includes('create-at-rate')) results.push(await runAtRate(stack, pool));
  } finally {
    await stack?.stop();
    await bench.dispose();
  }

  const selected = targetRow(results);
  const target = selected && {
    scenario: selected.row.scenario,
    requestsPerSecond: TARGET.requestsPerSecond,
    p99Ms: TARGET.p99Ms,
    selection: selected.selection,
    measuredRequestsPerSecond: selected.row.requestsPerSecond,
    measuredP50Ms: selected.row.p50Ms,
    measuredP99Ms: selected.row.p99Ms,
    met: selected.met,
  };
  const report = {
    name: 'gateway',
    date: new Date().toISOString(),
    machine: hostFacts(postgres, loadAtStart, calibrationMs),
    commit: gitCommit(),
    settings: {
      warmupSeconds: config.BENCH_WARMUP_SECONDS,
      atRateWarmupSeconds: config.BENCH_RATE_WARMUP_SECONDS,
      seconds: config.BENCH_SECONDS,
      databasePoolSizePerService: config.BENCH_DATABASE_POOL_SIZE,
      services: `charges and gateway, one Node process each, ${describeServiceCode(SERVICES_FROM)}, LOG_LEVEL=warn`,
    },
    target,
    warnings: noiseWarnings(results),
    results,
  };
  console.table(
    results.map((r) => ({
      scenario: r.scenario,
      conns: r.connections,
      offered: r.offeredRate,
      'req/s': r.requestsPerSecond,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      maxMs: r.maxMs,
      requests: r.requests,
      non2xx: r.non2xx,
      errors: r.errors,
      ratioToCeiling: r.ratioToHealthCeiling,
      readModelCatchUpMs: r.readModelCatchUpMs,
    })),
  );
  console.table(
    Object.fromEntries(
      results
        .filter((r) => r.cpuMsPerRequest)
        .map((r) => [`${r.scenario} @${r.connections}`, { ...r.cpuMsPerRequest, machineBusy: r.machineCpuBusy }]),
    ),
  );
  for (const warning of report.warnings) console.warn(`warning: ${warning}`);
  if (target) {
    console.log(
      `target: creates >= ${TARGET.requestsPerSecond} req/s with p99 < ${TARGET.p99Ms} ms: ` +
        `${target.met ? 'MET' : 'MISSED'}, ${target.selection}: ` +
        `${target.measuredRequestsPerSecond} req/s answered, p50 ${target.measuredP50Ms} ms, p99 ${target.measuredP99Ms} ms`,
    );
  }
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'gateway.json'), JSON.stringify(report, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
