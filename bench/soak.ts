/**
 * `npm run soak -- --minutes N`: the whole stack under the realistic load mix for N minutes, reported minute by
 * minute, to show what only a long run shows: memory that keeps growing, latency or throughput that drifts, consumers
 * that fall behind and never catch up.
 *
 * The stack is the fault suite's (test/faults/fault-stack.ts) without faults: every service its own process on
 * 127.0.0.1 (from source), over a PostgreSQL cluster and a Kafka broker of the run's own (initdb on a free port;
 * scripts/kafka.sh on free ports), so their memory is this run's alone and the shared servers are left untouched.
 * The load is test/support/load-mix.ts (charges approved on the sandbox page, captures, refunds, chargebacks,
 * agreements billed on test clocks) at a fixed rate of flows, with a webhook endpoint on a local receiver that checks
 * every delivery's signature.
 *
 * Each minute: 2xx answers per second by kind and in all, p50/p99 latency of the 2xx answers (from first send to
 * answer, retries with the same idempotency key included), each process's memory (the Node services' RSS, the soak
 * process's own, PostgreSQL's PSS summed over its processes, Kafka's RSS; medians of samples every 5 s), the event
 * store's rows and pg_total_relation_size, each consumer group's lag (end offset - committed offset, summed over
 * partitions, via the kafkajs admin) and the host's load average. Afterwards the load stops and the lag is read until
 * it drains (up to 2 minutes). The record (JSON) holds the rows and the trends after warm-up; the plot (HTML with
 * inline SVG) one chart per measure.
 *
 * Options: --minutes N (30), --flows-per-second F (3), --concurrency C (16: workers, enough that the rate and not the
 * closed loop sets the pace), --seed S, --out PREFIX (bench/results/soak: writes PREFIX.json and PREFIX.html),
 * --keep-logs (keep the services' logs, printed at the end), --notes TEXT (what the record should say about the host). Needs what the fault suite needs: PostgreSQL's server
 * binaries (/usr/lib/postgresql/<major>/bin) and scripts/kafka.sh's broker (Java and the jars `npm run setup` fetches
 * on a host without Docker).
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ServiceName } from '@payment-ledger/platform';
import { FAULT_SERVICES, FaultStack, registerReceiverEndpoint } from '../test/faults/fault-stack';
import { LoadMix, OPERATION_KINDS } from '../test/support/load-mix';
import { seededRandom } from '../test/support/seeded-random';
import { REPO_ROOT } from '../test/support/processes';
import { WebhookReceiver } from '../test/support/webhook-receiver';
import { gitCommit, hostFacts } from './support/bench-stack';
import { cpuCalibrationMs } from './support/cpu-accounting';
import { rssMbOf } from './support/memory';
import { consumerLag, eventStoreSize, kafkaBrokerPid, postgresMemoryMb } from './support/soak-probes';
import { quantile, type SoakMinute, soakHtml, soakTrends } from './support/soak-report';

const SAMPLE_EVERY_MS = 5_000;
const MINUTE_MS = 60_000;

function options() {
  const args = process.argv.slice(2);
  const value = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
  };
  const number = (name: string, fallback: number, min: number) => {
    const n = Number(value(name, String(fallback)));
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: a number of at least ${min} expected`);
    return n;
  };
  return {
    minutes: Math.floor(number('minutes', 30, 1)),
    flowsPerSecond: number('flows-per-second', 3, 0.1),
    concurrency: Math.floor(number('concurrency', 16, 1)),
    seed: Math.floor(number('seed', randomInt(1, 2 ** 31 - 1), 1)),
    out: resolve(value('out', join(REPO_ROOT, 'bench', 'results', 'soak'))),
    keepLogs: args.includes('--keep-logs'),
    notes: value(
      'notes',
      "Compare the minutes with the host's 1-minute load average beside them: other work on the host moves latency and throughput.",
    ),
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => quantile(values, 0.5);

/** Memory samples by process, taken every SAMPLE_EVERY_MS, drained once a minute. */
class MemorySampler {
  private samples: Record<string, number[]> = {};
  private kafkaPid: number | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly stack: FaultStack) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  private add(name: string, mb: number | undefined) {
    if (mb !== undefined) (this.samples[name] ??= []).push(mb);
  }

  private sample() {
    for (const name of FAULT_SERVICES) {
      const pid = this.stack.services.get(name)?.process?.pid;
      this.add(name, pid === undefined ? undefined : rssMbOf(pid));
    }
    this.add('soak process (load, receiver)', process.memoryUsage.rss() / 2 ** 20);
    this.add('postgres', postgresMemoryMb(this.stack.postgres.port)?.pssMb);
    if (this.kafkaPid === undefined || rssMbOf(this.kafkaPid) === undefined) {
      this.kafkaPid = kafkaBrokerPid(this.stack.kafka.brokers[0]);
    }
    this.add('kafka', this.kafkaPid === undefined ? undefined : rssMbOf(this.kafkaPid));
  }

  /** The minute's median and peak by process; the samples start over. */
  drain(): { medians: Record<string, number>; peaks: Record<string, number> } {
    const medians: Record<string, number> = {};
    const peaks: Record<string, number> = {};
    for (const [name, values] of Object.entries(this.samples)) {
      if (values.length === 0) continue;
      medians[name] = round(median(values));
      peaks[name] = round(Math.max(...values));
    }
    this.samples = {};
    return { medians, peaks };
  }

  stop() {
    clearInterval(this.timer);
  }
}

async function main(): Promise<void> {
  const opts = options();
  const started = Date.now();
  const log = (line: string) => console.log(`[soak +${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);
  const loadAtStart = round(loadavg()[0], 2);
  const calibrationMs = cpuCalibrationMs();
  const runDir = mkdtempSync(join(tmpdir(), 'payment-ledger-soak-'));
  log(`${opts.minutes} min at ${opts.flowsPerSecond} flows/s (${opts.concurrency} workers), seed ${opts.seed}`);
  const receiver = new WebhookReceiver({ failRate: 0 });
  let stack: FaultStack | undefined;
  let load: LoadMix | undefined;
  let sampler: MemorySampler | undefined;
  let interrupted = false;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => (cleaning ??= stopAll());
  const stopAll = async () => {
    sampler?.stop();
    if (load) await load.stop(5_000).catch(() => undefined);
    await receiver.stop().catch(() => undefined);
    await stack?.dispose().catch(() => undefined);
    if (!opts.keepLogs) rmSync(runDir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: stopping the stack');
    void cleanUp().finally(() => process.exit(130));
  });

  const rows: SoakMinute[] = [];
  const exitedByThemselves: { minute: number; service: ServiceName }[] = [];
  let lagAfterStop: number | null = null;
  let drainSeconds: number | null = null;
  let postgresVersion = 'unknown';
  try {
    stack = await FaultStack.create(runDir);
    postgresVersion = (await stack.db.pool.query<{ v: string }>("SELECT current_setting('server_version') AS v"))
      .rows[0].v;
    log(`PostgreSQL ${postgresVersion} on ${stack.postgres.port}, Kafka on ${stack.kafka.brokers.join(',')}`);
    await stack.startServices();
    await receiver.start();
    receiver.secret = await registerReceiverEndpoint(stack, receiver, 'soak');
    log(`services up: gateway ${stack.gatewayUrl}; logs in ${runDir}`);
    const admin = stack.kafkaAdmin();
    await admin.connect();

    load = new LoadMix({
      gatewayUrl: stack.gatewayUrl,
      apiKey: stack.apiKey,
      concurrency: opts.concurrency,
      flowsPerSecond: opts.flowsPerSecond,
      random: seededRandom(opts.seed),
    });
    sampler = new MemorySampler(stack);
    const loadStarted = Date.now();
    load.start();
    let seen = { succeeded: 0, refused: 0, unsettled: 0 };
    let lastRows = (await eventStoreSize(stack.db.pool)).rows;
    let lastSnapshot = loadStarted;
    for (let minute = 1; minute <= opts.minutes && !interrupted; minute++) {
      while (Date.now() < loadStarted + minute * MINUTE_MS) {
        await sleep(Math.min(1_000, loadStarted + minute * MINUTE_MS - Date.now()));
        // A service that exits by itself is a finding; it is started again so the run goes on.
        for (const name of stack.exited()) {
          exitedByThemselves.push({ minute, service: name });
          log(`${name} exited by itself; starting it again`);
          await stack.start(name).catch((error: unknown) => log(`${name}: ${(error as Error).message}`));
        }
      }
      // The minute's rates over the time since the last snapshot (the reads below take a while on a busy host).
      const now = Date.now();
      const seconds = (now - lastSnapshot) / 1000;
      lastSnapshot = now;
      const done = load.succeeded.slice(seen.succeeded);
      const refused = load.refused.length - seen.refused;
      const unsettled = load.unsettled.length - seen.unsettled;
      seen = { succeeded: load.succeeded.length, refused: load.refused.length, unsettled: load.unsettled.length };
      const memory = sampler.drain();
      const size = await eventStoreSize(stack.db.pool);
      const lag = await consumerLag(admin).catch((error: unknown) => {
        log(`consumer lag not read: ${(error as Error).message}`);
        return {} as Record<string, number>;
      });
      const latencies = done.map((op) => op.latencyMs);
      const row: SoakMinute = {
        minute,
        throughput: {
          total2xxPerSecond: round(done.length / seconds, 2),
          byKind: Object.fromEntries(
            OPERATION_KINDS.map((k) => [k, round(done.filter((op) => op.kind === k).length / seconds, 2)]),
          ),
          refused,
          unsettled,
        },
        latencyMs: {
          p50: quantile(latencies, 0.5),
          p99: quantile(latencies, 0.99),
          max: Math.max(0, ...latencies),
          p99ByKind: Object.fromEntries(
            OPERATION_KINDS.map((k) => [
              k,
              quantile(
                done.filter((op) => op.kind === k).map((op) => op.latencyMs),
                0.99,
              ),
            ]),
          ),
        },
        memoryMb: memory.medians,
        memoryPeakMb: memory.peaks,
        eventStore: {
          rows: size.rows,
          totalMb: round(size.totalBytes / 2 ** 20, 2),
          rowsPerSecond: round((size.rows - lastRows) / seconds, 2),
        },
        consumerLag: { total: Object.values(lag).reduce((s, n) => s + n, 0), byGroup: lag },
        webhooks: {
          receipts: receiver.receipts.length,
          validSignatures: receiver.receipts.filter((r) => r.valid).length,
        },
        loadAverage1m: round(loadavg()[0], 2),
      };
      lastRows = size.rows;
      rows.push(row);
      const services = FAULT_SERVICES.map((s) => `${s} ${row.memoryMb[s] ?? '-'}`).join(', ');
      log(
        `minute ${minute}: ${row.throughput.total2xxPerSecond} 2xx/s, p50 ${row.latencyMs.p50} p99 ${row.latencyMs.p99} ms, ` +
          `events ${size.rows} (${row.eventStore.totalMb} MB), lag ${row.consumerLag.total}, load ${row.loadAverage1m}; ` +
          `MB: ${services}, postgres ${row.memoryMb.postgres ?? '-'}, kafka ${row.memoryMb.kafka ?? '-'}`,
      );
    }
    log('stopping the load');
    await load.stop(60_000);
    const stoppedAt = Date.now();
    while (Date.now() - stoppedAt < 120_000) {
      const lag = await consumerLag(admin).catch(() => null);
      if (lag) lagAfterStop = Object.values(lag).reduce((s, n) => s + n, 0);
      if (lagAfterStop === 0) {
        drainSeconds = round((Date.now() - stoppedAt) / 1000);
        break;
      }
      await sleep(2_000);
    }
    log(`lag once the load stopped: ${lagAfterStop} (drained in ${drainSeconds ?? 'more than 120'} s)`);
    await admin.disconnect();
  } finally {
    await cleanUp();
  }
  if (rows.length === 0) throw new Error('the soak run ended before its first minute');

  const trends = soakTrends(rows, lagAfterStop);
  const counts = load!.counts();
  const record = {
    name: 'soak',
    date: new Date(started).toISOString(),
    commit: gitCommit(),
    machine: { ...hostFacts(postgresVersion, loadAtStart, calibrationMs), kafka: '3.9.1 (scripts/kafka.sh)' },
    minutes: rows.length,
    settings: {
      flowsPerSecond: opts.flowsPerSecond,
      concurrency: opts.concurrency,
      seed: opts.seed,
      stack:
        'test/faults/fault-stack.ts without faults: 8 services, one Node process each, from source (ts-node), ' +
        'LOG_LEVEL=info to files; its own PostgreSQL cluster (fsync off) and Kafka broker (2 partitions per topic)',
      load: 'test/support/load-mix.ts (30% agreements), webhook endpoint on a local receiver answering 200',
      memory: 'median of samples every 5 s per minute; postgres: PSS summed over its processes; others: RSS',
    },
    notes: opts.notes,
    trends,
    totals: {
      operations: counts,
      flowErrors: load!.flowErrors.length,
      flowErrorSamples: [...new Set(load!.flowErrors)].slice(0, 10),
      webhookReceipts: receiver.receipts.length,
      invalidWebhookSignatures: receiver.receipts.filter((r) => !r.valid).length,
      servicesThatExitedByThemselves: exitedByThemselves,
      lagAfterLoadStopped: lagAfterStop,
      lagDrainSeconds: drainSeconds,
    },
    rows,
  };
  mkdirSync(dirname(opts.out), { recursive: true });
  writeFileSync(`${opts.out}.json`, JSON.stringify(record, null, 2) + '\n');
  writeFileSync(`${opts.out}.html`, soakHtml(record));
  for (const line of trends.verdict) console.log(line);
  console.log(`record: ${opts.out}.json, plot: ${opts.out}.html${opts.keepLogs ? `, logs: ${runDir}` : ''}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
