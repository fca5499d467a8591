/**
 * `npm run bench:replay`: the analysts' tools over a large log. A throwaway database gets BENCH_REPLAY_EVENTS
 * (default 1,000,000) generated charge and refund events (bench/support/generate-log.ts), then:
 *
 * - (a) `payment-ledger export --format ndjson` of the whole log to a file: events/s, against the ceiling measured in
 *   the same run, PostgreSQL's own `COPY (SELECT … ORDER BY log order) TO STDOUT` of the same rows into /dev/null;
 * - (b) `payment-ledger rebuild ledger.journal`: the ledger from position 0 through the projection runner into fresh
 *   tables, swapped in: events/s.
 *
 * Each runs as its own process (the CLI as shipped: built JavaScript by default, BENCH_SERVICES_FROM=source for
 * ts-node), and its resident memory is sampled every 250 ms: memory is flat when the RSS at the end (the median of
 * the last fifth of the run) is within 10% of the RSS after warm-up (the median of its second fifth); the curve is kept
 * in the results (one point per second).
 * Targets (DESIGN.md): export ≥ 100,000 events/s, rebuild ≥ 50,000 events/s. Results: bench/results/replay.json.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { env, loadConfig } from '@payment-ledger/platform';
import { spawnTsProcess } from '../test/support/processes';
import { benchEnvironment, count, gitCommit, hostFacts } from './support/bench-stack';
import { cpuCalibrationMs } from './support/cpu-accounting';
import { generateLog } from './support/generate-log';
import { type MemoryCurve, memoryCurve, rssMbOf, type RssSample } from './support/memory';
import { describeServiceCode, serviceCodeSource } from './support/service-code';

const config = loadConfig({
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  KAFKA_BROKERS: env.list({ default: ['127.0.0.1:9092'] }),
  BENCH_REPLAY_EVENTS: env.int({ default: 1_000_000, min: 1_000, max: 50_000_000 }),
  BENCH_SERVICES_FROM: env.string({ default: 'build' }),
});

interface CliRun {
  seconds: number;
  cpuSeconds: number;
  stdout: string;
  memory: MemoryCurve;
}

/** Runs the CLI as its own process and samples its resident memory (VmRSS) every 250 ms until it exits. */
async function runCli(args: string[], dbUrl: string, from: 'build' | 'source'): Promise<CliRun> {
  const started = performance.now();
  const child = spawnTsProcess('apps/ledger/src/cli/main.ts', { DATABASE_URL: dbUrl }, from, args);
  const pid = child.pid!;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const samples: RssSample[] = [];
  let cpuSeconds = 0;
  const sample = () => {
    try {
      const rssMb = rssMbOf(pid);
      if (rssMb !== undefined) samples.push({ at: (performance.now() - started) / 1000, rssMb });
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
    } catch {
      // exited between two samples
    }
  };
  const timer = setInterval(sample, 250);
  child.stdin.end();
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(timer);
  if (code !== 0) throw new Error(`payment-ledger ${args.join(' ')} exited ${code}:\n${stderr.slice(-2000)}`);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpuSeconds, stdout, memory: memoryCurve(samples, seconds) };
}

async function main(): Promise<void> {
  const from = serviceCodeSource(config.BENCH_SERVICES_FROM) as 'build' | 'source';
  const loadAverageAtStart = loadavg()[0];
  const calibrationMs = cpuCalibrationMs();
  const bench = await benchEnvironment(config.DATABASE_URL, config.KAFKA_BROKERS, 4);
  const out = join(tmpdir(), `payment-ledger-replay-${process.pid}.ndjson`);
  try {
    console.error(`generating about ${config.BENCH_REPLAY_EVENTS} events`);
    const seedStarted = performance.now();
    const log = await generateLog(bench.pool, { events: config.BENCH_REPLAY_EVENTS });
    await bench.pool.query('VACUUM ANALYZE events');
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const events = await count(bench.pool, 'SELECT count(*) AS n FROM events');

    // The ceiling: the same rows in the log's order, written by PostgreSQL itself, read by psql into /dev/null.
    const copyStarted = performance.now();
    execFileSync(
      'psql',
      [
        bench.url,
        '-qAt',
        '-c',
        `COPY (SELECT global_position, stream_id, stream_type, stream_version, event_id, event_type, schema_version,
                      data, metadata, recorded_at FROM events ORDER BY transaction_id, global_position) TO STDOUT`,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 },
    );
    const copySeconds = (performance.now() - copyStarted) / 1000;

    console.error('export');
    const exported = await runCli(['export', '--format', 'ndjson', '--out', out, '--quiet'], bench.url, from);
    const lines = Number(execFileSync('wc', ['-l', out], { encoding: 'utf8' }).trim().split(' ')[0]);
    if (lines !== events) throw new Error(`export wrote ${lines} lines for ${events} events`);
    const exportBytes = statSync(out).size;
    rmSync(out, { force: true });

    console.error('rebuild ledger.journal');
    const rebuilt = await runCli(['rebuild', 'ledger.journal', '--quiet'], bench.url, from);
    const rebuildResult = JSON.parse(rebuilt.stdout) as { events: number };
    const entries = await count(bench.pool, 'SELECT count(*) AS n FROM ledger_entries');

    const round = (n: number) => Math.round(n);
    const results = [
      {
        scenario: '(a) export --format ndjson, whole log to a file',
        events,
        eventsPerSecond: round(events / exported.seconds),
        seconds: Math.round(exported.seconds * 10) / 10,
        cpuSeconds: exported.cpuSeconds,
        megabytes: Math.round(exportBytes / 1e6),
        copyCeilingEventsPerSecond: round(events / copySeconds),
        ratioToCopy: Math.round((events / exported.seconds / (events / copySeconds)) * 100) / 100,
        memory: exported.memory,
      },
      {
        scenario: '(b) rebuild ledger.journal from position 0',
        events: rebuildResult.events,
        eventsPerSecond: round(rebuildResult.events / rebuilt.seconds),
        seconds: Math.round(rebuilt.seconds * 10) / 10,
        cpuSeconds: rebuilt.cpuSeconds,
        entriesPosted: entries,
        memory: rebuilt.memory,
      },
    ];
    console.table(
      results.map((r) => ({
        scenario: r.scenario,
        events: r.events,
        'events/s': r.eventsPerSecond,
        s: r.seconds,
        'cpu s': r.cpuSeconds,
        'rss warm-up MB': r.memory.warmUpRssMb,
        'rss end MB': r.memory.endRssMb,
        flat: r.memory.flat,
      })),
    );
    const file = {
      name: 'replay',
      date: new Date().toISOString(),
      machine: hostFacts(bench.postgres, loadAverageAtStart, calibrationMs),
      commit: gitCommit(),
      settings: {
        events,
        charges: log.charges,
        refunds: log.refunds,
        merchants: log.merchantIds.length,
        seedSeconds: Math.round(seedSeconds),
        cli: `payment-ledger, one Node process, ${describeServiceCode(from)}`,
        memorySampling:
          'VmRSS every 250 ms; warm-up = median of the second fifth of the run, end = median of the last fifth; flat = end within 10% of warm-up',
      },
      targets: { exportEventsPerSecond: 100_000, rebuildEventsPerSecond: 50_000 },
      results,
    };
    writeFileSync(join(__dirname, 'results', 'replay.json'), `${JSON.stringify(file, null, 2)}\n`);
  } finally {
    rmSync(out, { force: true });
    await bench.dispose();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
