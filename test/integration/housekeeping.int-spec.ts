/**
 * Housekeeping purges on the timer engine (HousekeepingModule): expired idempotency records (the gateway's
 * IdempotencyRepository) and inbox rows older than INBOX_RETENTION_DAYS (InboxPurge) are deleted, live ones kept;
 * each task's timer comes back HOUSEKEEPING_INTERVAL_MS later; two replicas running at once delete each row once and
 * leave one timer per task.
 */
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InboxPurge } from '@payment-ledger/messaging';
import {
  InfrastructureModule,
  infrastructureConfigSchema,
  JsonLogger,
  loadConfig,
  ManualClock,
} from '@payment-ledger/platform';
import { HousekeepingModule, HousekeepingWorker } from '@payment-ledger/timers';
import { IDEMPOTENCY_KEY_TTL_MS } from '../../apps/gateway/src/domain/idempotency';
import { IdempotencyKeyEntity } from '../../apps/gateway/src/infrastructure/idempotency/idempotency-key.entity';
import { IdempotencyRepository } from '../../apps/gateway/src/infrastructure/idempotency/idempotency.repository';
import { TestDatabase } from '../support/test-database';

const DAY_MS = 24 * 60 * 60_000;
const HOUR_MS = 60 * 60_000;
let db: TestDatabase;

beforeAll(async () => {
  db = await TestDatabase.create();
});
afterAll(() => db.drop());

async function replica(clock: ManualClock): Promise<INestApplicationContext> {
  const config = loadConfig(infrastructureConfigSchema, {
    // As the services log in: the purge needs its DELETE (and, for its row locks, UPDATE) grants.
    DATABASE_URL: db.serviceUrl,
    DATABASE_POOL_SIZE: '2',
    KAFKA_BROKERS: '127.0.0.1:9',
    LOG_LEVEL: 'error',
    HOUSEKEEPING_INTERVAL_MS: String(HOUR_MS),
    INBOX_RETENTION_DAYS: '30',
  });
  @Module({
    imports: [
      InfrastructureModule.forRoot({ service: 'housekeeping-test', config, clock }),
      TypeOrmModule.forFeature([IdempotencyKeyEntity]),
      HousekeepingModule.forService('housekeeping-test', config, 0),
    ],
    providers: [IdempotencyRepository, InboxPurge],
  })
  class ReplicaModule {}
  const app = await NestFactory.createApplicationContext(ReplicaModule, { logger: false });
  app.useLogger(new JsonLogger('housekeeping-test', 'error'));
  await app.init();
  return app;
}

async function seed(now: Date): Promise<void> {
  const ago = (ms: number) => new Date(now.getTime() - ms);
  // 3,000 expired keys (created more than a day ago) and 2 live ones.
  await db.pool.query(
    `INSERT INTO idempotency_keys
       (merchant_id, idempotency_key, request_hash, state, resource_id, created_at, expires_at)
     SELECT 'merchant_a', 'old-' || n, 'h', 'completed', 'charge_' || n, $1, $2 FROM generate_series(1, 3000) n`,
    [ago(IDEMPOTENCY_KEY_TTL_MS + HOUR_MS), ago(HOUR_MS)],
  );
  await db.pool.query(
    `INSERT INTO idempotency_keys
       (merchant_id, idempotency_key, request_hash, state, resource_id, locked_at, created_at, expires_at)
     VALUES ('merchant_a', 'live-completed', 'h', 'completed', 'charge_x', NULL, $1, $2),
            ('merchant_b', 'live-in-flight', 'h', 'in_flight', 'charge_y', $1, $1, $2)`,
    [ago(HOUR_MS), new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS - HOUR_MS)],
  );
  // 12,000 inbox rows older than 30 days (more than two purge batches) and 3 recent ones.
  await db.pool.query(
    `INSERT INTO inbox (consumer, event_id, processed_at)
     SELECT 'agreements.charge-outcomes', 'evt_old_' || n, $1 FROM generate_series(1, 12000) n`,
    [ago(31 * DAY_MS)],
  );
  await db.pool.query(
    `INSERT INTO inbox (consumer, event_id, outcome, processed_at)
     VALUES ('agreements.charge-outcomes', 'evt_recent_1', 'processed', $1),
            ('scheduler.agreement-events', 'evt_recent_2', 'processed', $2),
            ('scheduler.agreement-events', 'evt_recent_3', 'dead_lettered', $2)`,
    [ago(29 * DAY_MS), ago(HOUR_MS)],
  );
}

const ids = async (sql: string) => (await db.pool.query<{ id: string }>(sql)).rows.map((r) => r.id).sort();

it('deletes expired idempotency records and old inbox rows, keeps the rest, and runs again an interval later', async () => {
  const clock = new ManualClock(new Date('2026-06-01T00:00:00.000Z'));
  await seed(clock.now());
  const [a, b] = [await replica(clock), await replica(clock)];
  try {
    // Both replicas at once: the timers are claimed by one of them (leased), so each row goes once.
    const runs = await Promise.all([a.get(HousekeepingWorker).runDue(), b.get(HousekeepingWorker).runDue()]);
    expect(runs[0] + runs[1]).toBe(2);

    expect(await ids('SELECT idempotency_key AS id FROM idempotency_keys')).toEqual([
      'live-completed',
      'live-in-flight',
    ]);
    expect(await ids('SELECT event_id AS id FROM inbox')).toEqual(['evt_recent_1', 'evt_recent_2', 'evt_recent_3']);

    const timers = await db.pool.query<{ key: string; due_at: Date }>(
      `SELECT key, due_at FROM timers WHERE queue = 'housekeeping.housekeeping-test' ORDER BY key`,
    );
    expect(timers.rows.map((t) => [t.key, t.due_at.toISOString()])).toEqual([
      ['idempotency-keys', new Date(clock.now().getTime() + HOUR_MS).toISOString()],
      ['inbox', new Date(clock.now().getTime() + HOUR_MS).toISOString()],
    ]);

    // Nothing is due before the interval; after it, what expired meanwhile goes.
    expect(await a.get(HousekeepingWorker).runDue()).toBe(0);
    clock.advanceBy(IDEMPOTENCY_KEY_TTL_MS);
    expect(await a.get(HousekeepingWorker).runDue()).toBe(2);
    expect(await ids('SELECT idempotency_key AS id FROM idempotency_keys')).toEqual([]);
  } finally {
    await a.close();
    await b.close();
  }
});

it('keeps one timer per task across restarts (a restart does not move the next run)', async () => {
  const clock = new ManualClock(new Date('2026-07-01T00:00:00.000Z'));
  const first = await replica(clock);
  await first.get(HousekeepingWorker).runDue();
  await first.close();
  const { rows: before } = await db.pool.query(
    `SELECT key, due_at FROM timers WHERE queue = 'housekeeping.housekeeping-test' ORDER BY key`,
  );
  clock.advanceBy(60_000);
  const second = await replica(clock);
  try {
    const { rows: after } = await db.pool.query(
      `SELECT key, due_at FROM timers WHERE queue = 'housekeeping.housekeeping-test' ORDER BY key`,
    );
    expect(after).toEqual(before);
    expect(after).toHaveLength(2);
  } finally {
    await second.close();
  }
});
