/**
 * `npm run bench:event-store`: appends/s (one event per command with the expected-version check) for 1 and 16
 * writers on distinct streams and 16 writers contending on 16 hot streams, and readAll events/s. The ceiling is
 * measured in the same run: pgbench with an equivalent one-row INSERT per transaction (same payload size, same
 * client count) against the same PostgreSQL. Results: bench/results/event-store.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ConcurrencyError, LOG_START, PostgresEventStore } from '@payment-ledger/event-store';
import { env, loadConfig, migrateDatabase } from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from '../scripts/migration-directories';
import { percentile } from './support/bench-stack';

const config = loadConfig({
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  BENCH_SECONDS: env.int({ default: 8, min: 1, max: 120 }),
});
const PAYLOAD = { amount: { value: 1999, currency: 'USD' }, reference: 'order-000000000001', note: 'x'.repeat(120) };
const METADATA = { correlationId: 'c0a8012e-5b3f-4a54-9d7e-1f2e3d4c5b6a', merchantId: 'mch_0123456789abcdef' };

interface Row {
  scenario: string;
  clients: number;
  appendsPerSecond?: number;
  eventsPerSecond?: number;
  p50Ms?: number;
  p99Ms?: number;
  conflicts?: number;
  pgbenchTps?: number;
  ratioToPgbench?: number;
}

async function appendScenario(store: PostgresEventStore, clients: number, hotStreams?: number) {
  const deadline = Date.now() + config.BENCH_SECONDS * 1000;
  const latencies: number[] = [];
  let conflicts = 0;
  const run = Math.random().toString(36).slice(2, 8);
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const versions = new Map<string, number>();
      let n = 0;
      while (Date.now() < deadline) {
        const stream = hotStreams
          ? `bench:${run}-hot-${Math.floor(Math.random() * hotStreams)}`
          : `bench:${run}-w${c}-${n >> 6}`;
        n++;
        const started = performance.now();
        // On hot streams others write too: load the head first, as a command handler reads its stream.
        if (hotStreams) versions.set(stream, await store.currentVersion(stream));
        for (;;) {
          try {
            const r = await store.append(stream, versions.get(stream) ?? 0, [
              { type: 'BenchmarkRecorded', data: PAYLOAD, metadata: METADATA },
            ]);
            versions.set(stream, r.nextExpectedVersion);
            break;
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            conflicts++;
            // As a command handler does: reload the stream head, re-decide, append again.
            versions.set(stream, await store.currentVersion(stream));
          }
        }
        latencies.push(performance.now() - started);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    appendsPerSecond: Math.round(latencies.length / config.BENCH_SECONDS),
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    conflicts,
  };
}

function pgbench(url: string, clients: number): number {
  const script = join(tmpdir(), 'payment-ledger-pgbench.sql');
  const payload = JSON.stringify(PAYLOAD).replace(/'/g, "''");
  const metadata = JSON.stringify(METADATA).replace(/'/g, "''");
  writeFileSync(
    script,
    `\\set r random(1, 1000000000000)\n` +
      `INSERT INTO pgbench_events (stream_id, version, event_id, data, metadata) VALUES ` +
      `('bench:' || :client_id || '-' || :r, 1, md5(:r::text || random()::text), '${payload}', '${metadata}');\n`,
  );
  const out = execFileSync(
    'pgbench',
    [
      '-n',
      '-c',
      String(clients),
      '-j',
      String(Math.min(clients, 2)),
      '-T',
      String(config.BENCH_SECONDS),
      '-f',
      script,
      url,
    ],
    { encoding: 'utf8' },
  );
  const match = /tps = ([\d.]+)/.exec(out);
  if (!match) throw new Error(`could not read pgbench output:\n${out}`);
  return Math.round(Number(match[1]));
}

async function main(): Promise<void> {
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  const dbName = `pl_bench_${Date.now()}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(config.DATABASE_URL);
  url.pathname = `/${dbName}`;
  const pool = new Pool({ connectionString: url.toString(), max: 20 });
  pool.on('error', () => undefined);
  const results: Row[] = [];
  try {
    await migrateDatabase(url.toString(), ALL_MIGRATION_DIRECTORIES);
    await pool.query(
      `CREATE TABLE pgbench_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id text, version int,
         event_id text UNIQUE, data jsonb, metadata jsonb, recorded_at timestamptz DEFAULT now(), UNIQUE (stream_id, version))`,
    );
    const store = new PostgresEventStore(pool);
    await appendScenario(store, 4); // warm-up
    const ceilings = new Map<number, number>();
    for (const clients of [1, 16]) ceilings.set(clients, pgbench(url.toString(), clients));
    for (const [scenario, clients, hot] of [
      ['append, 1 writer, distinct streams', 1, undefined],
      ['append, 16 writers, distinct streams', 16, undefined],
      ['append, 16 writers, 16 hot streams (read head, append, retry)', 16, 16],
    ] as const) {
      const r = await appendScenario(store, clients, hot);
      const ceiling = ceilings.get(clients)!;
      results.push({
        scenario,
        clients,
        ...r,
        pgbenchTps: ceiling,
        ratioToPgbench: Number((r.appendsPerSecond / ceiling).toFixed(2)),
      });
    }
    const total = Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    const started = performance.now();
    let cursor = LOG_START;
    let read = 0;
    for (;;) {
      const page = await store.readAll(cursor, { limit: 5000 });
      if (page.events.length === 0) break;
      read += page.events.length;
      cursor = page.cursor;
    }
    const seconds = (performance.now() - started) / 1000;
    results.push({
      scenario: `readAll, ${total} events, pages of 5000`,
      clients: 1,
      eventsPerSecond: Math.round(read / seconds),
    });
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  const postgres = execFileSync('psql', [config.DATABASE_URL, '-tAc', 'SHOW server_version'], {
    encoding: 'utf8',
  }).trim();
  const report = {
    name: 'event-store',
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, postgres, kafka: 'not used' },
    results,
  };
  console.table(results);
  mkdirSync(join(__dirname, 'results'), { recursive: true });
  writeFileSync(join(__dirname, 'results', 'event-store.json'), JSON.stringify(report, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
