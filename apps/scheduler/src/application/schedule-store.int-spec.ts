/**
 * Schedule wake-ups on the timer engine and sandbox test clocks, on real PostgreSQL: an advance records the new offset
 * and brings only that agreement's wake-up forward (the billing worker runs it, not the caller), its total offset is
 * capped, and a wake-up written on a schedule's own clock is due on the service clock.
 */
import { PostgresEventStore } from '@payment-ledger/event-store';
import { loadConfig, ManualClock } from '@payment-ledger/platform';
import { PostgresTimerStore, TIMER_ENTITIES, TimerEntity } from '@payment-ledger/timers';
import type { DataSource } from 'typeorm';
import { entityAndTableColumns, entityDataSource } from '../../../../test/support/entity-schema';
import { TEST_RPC_SIGNING_SECRET } from '../../../../test/support/rpc-secrets';
import { TestDatabase } from '../../../../test/support/test-database';
import { schedulerConfigSchema } from '../scheduler.config';
import { BILLING_SCHEDULES, ScheduleStore } from './schedule-store';
import { SCHEDULER_ENTITIES, ScheduledChargeEntity, SchedulerTestClockEntity } from './scheduler.entities';

let db: TestDatabase;
let dataSource: DataSource;
let store: ScheduleStore;
let timers: PostgresTimerStore;
const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
const DAY = 24 * 3600 * 1000;
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  db = await TestDatabase.create();
  const config = loadConfig(schedulerConfigSchema, {
    DATABASE_URL: 'postgres://unused/unused',
    KAFKA_BROKERS: 'unused:9092',
    SCHEDULER_TEST_CLOCK_MAX_OFFSET_DAYS: '365',
    RPC_SIGNING_SECRETS: TEST_RPC_SIGNING_SECRET,
  });
  dataSource = await entityDataSource(db.url, [...TIMER_ENTITIES, ...SCHEDULER_ENTITIES]);
  timers = new PostgresTimerStore(db.pool, dataSource.getRepository(TimerEntity));
  store = new ScheduleStore(
    new PostgresEventStore(db.pool),
    db.pool,
    clock,
    config,
    timers,
    dataSource.getRepository(SchedulerTestClockEntity),
    dataSource.getRepository(ScheduledChargeEntity),
  );
});
afterAll(async () => {
  await dataSource?.destroy();
  await db.drop();
});
beforeEach(() => db.pool.query('TRUNCATE timers, scheduler_test_clocks, scheduled_charges'));

const wakeUps = async (agreementIds: string[], dueAt: Date) =>
  timers.schedule(agreementIds.map((key) => ({ queue: BILLING_SCHEDULES, key, kind: 'wake_up', dueAt })));
const dueAtOf = async (agreementId: string) =>
  (
    await db.pool.query<{ due_at: Date }>(`SELECT due_at FROM timers WHERE queue = $1 AND key = $2`, [
      BILLING_SCHEDULES,
      agreementId,
    ])
  ).rows[0]?.due_at;

it("an advance brings only that agreement's wake-up forward, so the worker claims it and no other", async () => {
  await wakeUps(['agr_advanced', 'agr_not_advanced'], at('2026-05-01T00:00:00Z'));
  const now = await store.advanceTestClock(
    'agr_advanced',
    at('2026-05-02T00:00:00Z').getTime() - clock.now().getTime(),
  );
  expect(now).toEqual(at('2026-05-02T00:00:00Z'));
  expect(await store.now('agr_advanced')).toEqual(at('2026-05-02T00:00:00Z'));
  expect(await store.now('agr_not_advanced')).toEqual(clock.now());
  expect(await dueAtOf('agr_advanced')).toEqual(at('2026-02-28T00:00:00Z'));
  expect(await dueAtOf('agr_not_advanced')).toEqual(at('2026-05-01T00:00:00Z'));
  const claimed = await timers.claim(BILLING_SCHEDULES, clock.now(), 10, 60_000);
  expect(claimed.map((t) => t.key)).toEqual(['agr_advanced']);
});

it('caps the total offset: an advance beyond it is refused and moves nothing', async () => {
  await wakeUps(['agr_capped'], at('2026-05-01T00:00:00Z'));
  await store.advanceTestClock('agr_capped', 300 * DAY);
  await expect(store.advanceTestClock('agr_capped', 66 * DAY)).rejects.toMatchObject({
    code: 'test_clock_limit_exceeded',
    kind: 'invalid',
    field: 'seconds',
  });
  await expect(store.advanceTestClock('agr_fresh', 366 * DAY)).rejects.toMatchObject({
    code: 'test_clock_limit_exceeded',
  });
  expect(await store.now('agr_capped')).toEqual(new Date(clock.now().getTime() + 300 * DAY));
  expect(await dueAtOf('agr_capped')).toEqual(new Date(at('2026-05-01T00:00:00Z').getTime() - 300 * DAY));
  await store.advanceTestClock('agr_capped', 65 * DAY); // exactly up to the cap
  expect(await store.now('agr_fresh')).toEqual(clock.now());
});

describe('the scheduler entities', () => {
  it.each(SCHEDULER_ENTITIES)('%p is its migrated table', async (entity) => {
    const { entity: columns, table } = await entityAndTableColumns(dataSource, entity);
    expect(columns).toEqual(table);
  });

  it('reads through the repositories what the SQL wrote: test clocks and remembered charges', async () => {
    await store.advanceTestClock('agr_1', 5 * DAY);
    await store.advanceTestClock('agr_1', 2 * DAY);
    expect(await dataSource.getRepository(SchedulerTestClockEntity).findOneBy({ agreementId: 'agr_1' })).toEqual({
      agreementId: 'agr_1',
      offsetMs: String(7 * DAY),
    });
    expect(await store.refreshTestClocks()).toBe(true);
    expect(await store.now('agr_1')).toEqual(new Date(clock.now().getTime() + 7 * DAY));
    expect(await store.now('agr_2')).toEqual(clock.now());

    await Promise.all([store.rememberCharge('chg_1', 'agr_1'), store.rememberCharge('chg_2', 'agr_2')]);
    expect(await store.agreementOfCharge('chg_1')).toBe('agr_1');
    expect(await store.agreementOfCharge('chg_2')).toBe('agr_2');
    expect(await store.agreementOfCharge('chg_3')).toBeUndefined();
  });
});
