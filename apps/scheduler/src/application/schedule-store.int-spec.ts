/**
 * Claiming due schedules on real PostgreSQL: wake order, limits, leases (held, and run out), and sandbox test
 * clocks that make a schedule due early.
 */
import { PostgresEventStore } from '@payment-ledger/event-store';
import { loadConfig, ManualClock } from '@payment-ledger/platform';
import { TestDatabase } from '../../../../test/support/test-database';
import { schedulerConfigSchema } from '../scheduler.config';
import { ScheduleStore } from './schedule-store';

let db: TestDatabase;
let store: ScheduleStore;
const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
const at = (iso: string) => new Date(iso);

beforeAll(async () => {
  db = await TestDatabase.create();
  const config = loadConfig(schedulerConfigSchema, {
    DATABASE_URL: 'postgres://unused/unused',
    KAFKA_BROKERS: 'unused:9092',
  });
  store = new ScheduleStore(new PostgresEventStore(db.pool), db.pool, clock, config);
});
afterAll(() => db.drop());
beforeEach(() => db.pool.query('TRUNCATE billing_schedule_wakeups, scheduler_test_clocks'));

async function wakeUps(rows: [string, string, string | null][]): Promise<void> {
  for (const [agreementId, wakeAt, leaseUntil] of rows) {
    await db.pool.query(
      'INSERT INTO billing_schedule_wakeups (agreement_id, wake_at, lease_until) VALUES ($1, $2, $3)',
      [agreementId, wakeAt, leaseUntil],
    );
  }
}

it('claims due schedules in wake order up to the limit, and not again while their lease holds', async () => {
  await wakeUps([
    ['agr_late', '2026-02-28T00:00:00Z', null],
    ['agr_early', '2026-02-01T00:00:00Z', null],
    ['agr_middle', '2026-02-15T00:00:00Z', null],
    ['agr_future', '2026-04-01T00:00:00Z', null],
  ]);
  expect(await store.claimDue(2, 60_000)).toEqual(expect.arrayContaining(['agr_early', 'agr_middle']));
  expect(await store.claimDue(10, 60_000)).toEqual(['agr_late']);
  expect(await store.claimDue(10, 60_000)).toEqual([]);
});

it('claims again a schedule whose lease ran out (a replica died holding it), but not one still leased', async () => {
  const past = new Date(Date.now() - 5_000).toISOString();
  const future = new Date(Date.now() + 60_000).toISOString();
  await wakeUps([
    ['agr_orphaned', '2026-02-01T00:00:00Z', past],
    ['agr_held', '2026-02-01T00:00:00Z', future],
  ]);
  expect(await store.claimDue(10, 60_000)).toEqual(['agr_orphaned']);
  const { rows } = await db.pool.query(
    `SELECT lease_until > now() AS leased FROM billing_schedule_wakeups WHERE agreement_id = 'agr_orphaned'`,
  );
  expect(rows[0].leased).toBe(true);
});

it('claims a schedule that only its sandbox test clock has made due', async () => {
  await wakeUps([
    ['agr_advanced', '2026-05-01T00:00:00Z', null],
    ['agr_not_advanced', '2026-05-01T00:00:00Z', null],
  ]);
  await store.advanceTestClock('agr_advanced', at('2026-05-02T00:00:00Z').getTime() - clock.now().getTime());
  expect(await store.claimDue(10, 60_000)).toEqual(['agr_advanced']);
});
