/**
 * `npm run bench:scheduler`: 10,000 active monthly agreements whose periods all fall due at the same instant; how
 * long until every period's charge is captured, and recurring charges per second end to end
 * (scheduler → agreements → charges → provider sandbox → events, with all three services as their own processes,
 * their relays and Kafka consumers running, on real PostgreSQL and Kafka).
 *
 * The agreements are seeded as their events (AgreementCreated + AgreementActivated, exactly what the agreements
 * service writes after consent) so that the run measures billing, not 10,000 browser consents. The scheduler builds
 * each schedule from those events on Kafka; the due instant T0 is set far enough ahead for all schedules to exist
 * before it. Knobs: BENCH_AGREEMENTS (10000), BENCH_SCHEDULER_CONCURRENCY (512, the service's default),
 * BENCH_LEAD_SECONDS (60), BENCH_SERVICES_FROM (build: see support/service-code.ts).
 * Results: bench/results/scheduler.json.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { newId } from '@payment-ledger/contracts';
import { LOG_START, PostgresEventStore } from '@payment-ledger/event-store';
import { env, loadConfig, migrateDatabase } from '@payment-ledger/platform';
import { sandboxPageConfigSchema } from '@payment-ledger/payment-methods';
import { rpcConfigSchema } from '@payment-ledger/rpc';
import { ALL_MIGRATION_DIRECTORIES } from '../scripts/migration-directories';
import { freePort } from '../test/support/ports';
import { startTsProcess, stopProcess } from '../test/support/processes';
import { describeServiceCode, serviceCodeSource } from './support/service-code';
import { cpuCalibrationMs, cpuPerUnit, cpuSnapshot } from './support/cpu-accounting';
import { deleteKafkaNamespace } from './support/bench-stack';

const config = loadConfig({
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  KAFKA_BROKERS: env.list(),
  // The services' secrets, as `npm run setup` wrote them to .infra.env (they have no default).
  RPC_SIGNING_SECRETS: rpcConfigSchema.RPC_SIGNING_SECRETS,
  SANDBOX_SIGNING_SECRET: sandboxPageConfigSchema.SANDBOX_SIGNING_SECRET,
  BENCH_AGREEMENTS: env.int({ default: 10_000, min: 1, max: 1_000_000 }),
  BENCH_SCHEDULER_CONCURRENCY: env.int({ default: 512, min: 1, max: 1024 }),
  BENCH_LEAD_SECONDS: env.int({ default: 60, min: 5, max: 3600 }),
  BENCH_SERVICES_FROM: env.string({ default: 'build' }),
});
const TARGET_CHARGES_PER_SECOND = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await pool.query(sql, params)).rows[0].n);
}

async function main(): Promise<void> {
  const n = config.BENCH_AGREEMENTS;
  const from = serviceCodeSource(config.BENCH_SERVICES_FROM);
  const calibrationMs = cpuCalibrationMs();
  const dbName = `pl_bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(config.DATABASE_URL);
  url.pathname = `/${dbName}`;
  const pool = new Pool({ connectionString: url.toString(), max: 16 });
  const namespace = `bench${randomBytes(4).toString('hex')}`;
  const children: Awaited<ReturnType<typeof startTsProcess>>[] = [];
  try {
    await migrateDatabase(url.toString(), ALL_MIGRATION_DIRECTORIES);
    const [chargesPort, agreementsPort, schedulerPort] = [await freePort(), await freePort(), await freePort()];
    const common = {
      DATABASE_URL: url.toString(),
      // Kafka consumers hold a pooled connection for each inbox transaction: leave room for the command paths.
      DATABASE_POOL_SIZE: '24',
      KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
      KAFKA_TOPIC_NAMESPACE: namespace,
      // The ready line is an info log; services log nothing per charge at info.
      LOG_LEVEL: 'info',
      RPC_SIGNING_SECRETS: config.RPC_SIGNING_SECRETS.join(','),
      SANDBOX_SIGNING_SECRET: config.SANDBOX_SIGNING_SECRET,
      CHARGES_TCP_PORT: String(chargesPort),
      AGREEMENTS_TCP_PORT: String(agreementsPort),
      SCHEDULER_TCP_PORT: String(schedulerPort),
    };
    children.push(await startTsProcess('apps/charges/src/main.ts', common, 'charges.listening', 60_000, from));
    children.push(await startTsProcess('apps/agreements/src/main.ts', common, 'agreements.listening', 60_000, from));
    children.push(
      await startTsProcess(
        'apps/scheduler/src/main.ts',
        {
          ...common,
          SCHEDULER_POLL_MS: '200',
          SCHEDULER_CONCURRENCY: String(config.BENCH_SCHEDULER_CONCURRENCY),
          SCHEDULER_RESEND_AFTER_MS: '120000',
        },
        'scheduler.listening',
        60_000,
        from,
      ),
    );

    // Seed: every agreement active, monthly, first period due at T0 (all at once).
    const store = new PostgresEventStore(pool);
    const seedStart = Date.now();
    const t0 = new Date(seedStart + config.BENCH_LEAD_SECONDS * 1000);
    const merchant = { id: newId('merchant'), name: 'Bench Subscriptions', mode: 'SANDBOX' as const };
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < n) {
          next++;
          const agreementId = newId('agreement');
          const at = new Date().toISOString();
          await store.append(`agreement:${agreementId}`, 'no_stream', [
            {
              type: 'AgreementCreated',
              data: {
                historyId: newId('agreementHistory'),
                at,
                agreementId,
                merchant,
                paymentMethod: 'AMAZON_PAY',
                consumer: { name: 'Bench Consumer', country: 'US' },
                startDate: t0.toISOString(),
                startDateAsGiven: t0.toISOString(),
                endDate: null,
                description: 'bench monthly plan',
                frequency: { type: 'MONTHLY', interval: 1 },
                amount: { value: 1500, currency: 'USD' },
                amountType: 'EXACT',
                instrumentId: newId('instrument'),
                returnUrl: 'https://www.your-return-page.com/',
                merchantPaymentAgreementReference: null,
                webhooksUrl: null,
                simulationCode: null,
                authentication: { type: 'REDIRECT', requestUrl: 'https://sandbox.invalid/', requestMethod: 'GET' },
                authenticationExpiresAt: at,
                initialPaymentCharge: null,
              },
              metadata: { actor: 'bench' },
            },
            {
              type: 'AgreementActivated',
              data: { historyId: newId('agreementHistory'), at },
              metadata: { actor: 'bench' },
            },
          ]);
        }
      }),
    );
    const seededMs = Date.now() - seedStart;
    console.log(`seeded ${n} agreements in ${seededMs} ms; periods fall due at ${t0.toISOString()}`);

    const started = () => count(pool, `SELECT count(*) AS n FROM events WHERE event_type = 'BillingScheduleStarted'`);
    while ((await started()) < n && Date.now() < t0.getTime()) await sleep(500);
    const schedulesReady = await started();
    const schedulesReadyAfterMs = Date.now() - seedStart;
    console.log(`${schedulesReady} schedules started ${schedulesReadyAfterMs} ms after seeding began`);
    if (schedulesReady < n) console.warn('not every schedule existed at T0: raise BENCH_LEAD_SECONDS');

    await sleep(Math.max(0, t0.getTime() - Date.now()));
    const [charges, agreements, scheduler] = children.map((c) => c.pid);
    const cpuBefore = cpuSnapshot({ charges, agreements, scheduler });
    // Progress: the paid periods, read from the log in commit-safe order from where the last look ended (counting
    // over the whole log each time would make the bench itself a growing share of the database's work).
    let cursor = LOG_START;
    let done = 0;
    const paid = async (): Promise<number> => {
      for (;;) {
        const page = await store.readAll(cursor, { limit: 5000, streamTypes: ['billing-schedule'] });
        done += page.events.filter((e) => e.type === 'BillingPeriodPaid').length;
        cursor = page.cursor;
        if (page.events.length < 5000) return done;
      }
    };
    const deadline = t0.getTime() + 600_000;
    while ((await paid()) < n && Date.now() < deadline) await sleep(250);
    const cpu = cpuPerUnit(cpuBefore, cpuSnapshot({ charges, agreements, scheduler }), done);
    const { rows } = await pool.query<{ ms: number }>(
      `SELECT extract(epoch FROM (c.recorded_at - $1::timestamptz)) * 1000 AS ms
         FROM events c JOIN events created ON created.stream_id = c.stream_id AND created.event_type = 'ChargeCreated'
        WHERE c.event_type = 'ChargeCaptured' AND created.data->>'initiator' = 'MERCHANT'`,
      [t0],
    );
    const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    const lastCaptureMs = latencies[latencies.length - 1] ?? NaN;
    const chargesCreated = await count(pool, `SELECT count(*) AS n FROM events WHERE event_type = 'ChargeCreated'`);
    const requested = await count(
      pool,
      `SELECT count(DISTINCT stream_id || ':' || (data->>'periodIndex')) AS n FROM events
        WHERE event_type = 'BillingPeriodChargeRequested'`,
    );
    const chargesPerSecond = Math.round((latencies.length / lastCaptureMs) * 1000);
    const result = {
      scenario: `${n} monthly agreements due at once`,
      agreements: n,
      schedulesReadyAtT0: schedulesReady,
      periodsPaid: done,
      chargesCreated,
      distinctPeriodsRequested: requested,
      chargesCaptured: latencies.length,
      secondsUntilAllCaptured: Math.round(lastCaptureMs) / 1000,
      recurringChargesPerSecond: chargesPerSecond,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      schedulerConcurrency: config.BENCH_SCHEDULER_CONCURRENCY,
      machineCpuBusy: cpu.machineCpuBusy,
    };
    const postgres = execFileSync('psql', [config.DATABASE_URL, '-tAc', 'SHOW server_version'], {
      encoding: 'utf8',
    }).trim();
    const report = {
      name: 'scheduler',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version, postgres, kafka: '3.9.1', calibrationMs },
      services: describeServiceCode(from),
      target: {
        recurringChargesPerSecond: TARGET_CHARGES_PER_SECOND,
        met: chargesPerSecond >= TARGET_CHARGES_PER_SECOND,
      },
      notes:
        'p50/p99: from the due instant T0 to each charge being captured (so they grow with the backlog). ' +
        'cpuMsPerCharge: CPU milliseconds each process spent per paid period between T0 and the last one.',
      results: [result],
      cpuMsPerCharge: cpu.cpuMsPerUnit,
    };
    writeFileSync(join(__dirname, 'results', 'scheduler.json'), JSON.stringify(report, null, 2) + '\n');
    console.table([result]);
    console.table([cpu.cpuMsPerUnit]);
    if (chargesCreated !== n || requested !== n || done !== n) {
      throw new Error(
        `exactly-once violated or incomplete: ${chargesCreated} charges, ${requested} periods, ${done} paid for ${n}`,
      );
    }
  } finally {
    for (const child of children.reverse()) await stopProcess(child, 'SIGTERM').catch(() => undefined);
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    await deleteKafkaNamespace(config.KAFKA_BROKERS, namespace).catch(() => undefined);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
