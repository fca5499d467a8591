/**
 * The timer engine on real PostgreSQL: timers written in the caller's transaction (and gone with its rollback),
 * concurrent claimers that never run one timer twice at once, a lease that runs out after a crash, a failing handler
 * retried with backoff, settling in bulk, and counts of due and late timers; a `continuous` queue, whose hanging
 * handler holds only its own lane, run by two replicas that never run one timer twice at once.
 */
import { inTransaction } from '@payment-ledger/event-store';
import { ManualClock, metricsText } from '@payment-ledger/platform';
import type { DataSource } from 'typeorm';
import { entityAndTableColumns, entityDataSource } from '../../../test/support/entity-schema';
import { sampleOf } from '../../../test/support/metrics';
import { TestDatabase } from '../../../test/support/test-database';
import { byKind, type ClaimedTimer, PostgresTimerStore, TIMER_ENTITIES, TimerEntity, TimerWorker } from './index';

let db: TestDatabase;
let dataSource: DataSource;
let store: PostgresTimerStore;
const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs);
const Q = 'test-queue';

beforeAll(async () => {
  db = await TestDatabase.create();
  dataSource = await entityDataSource(db.url, TIMER_ENTITIES);
  store = new PostgresTimerStore(db.pool, dataSource.getRepository(TimerEntity));
});
afterAll(async () => {
  await dataSource?.destroy();
  await db.drop();
});
beforeEach(() => db.pool.query('TRUNCATE timers'));

const rows = async () =>
  (
    await db.pool.query<{ key: string; kind: string; due_at: Date; leased: boolean; attempts: number }>(
      `SELECT key, kind, due_at, lease_until > clock_timestamp() AS leased, attempts FROM timers WHERE queue = $1
        ORDER BY key, kind`,
      [Q],
    )
  ).rows;

describe('schedule and cancel', () => {
  it('in a transaction that rolls back leave nothing; committed, they stay', async () => {
    await store.schedule([{ queue: Q, key: 'a', kind: 'k', dueAt: at(0) }]);
    await expect(
      inTransaction(db.pool, async (session) => {
        await store.schedule([{ queue: Q, key: 'b', kind: 'k', dueAt: at(0) }], { session });
        await store.cancel([{ queue: Q, key: 'a', kind: 'k' }], session);
        throw new Error('the caller fails after its timers');
      }),
    ).rejects.toThrow('the caller fails');
    expect((await rows()).map((r) => r.key)).toEqual(['a']);
    await inTransaction(db.pool, async (session) => {
      await store.schedule([{ queue: Q, key: 'b', kind: 'k', dueAt: at(0) }], { session });
      await store.cancel([{ queue: Q, key: 'a', kind: 'k' }], session);
    });
    expect((await rows()).map((r) => r.key)).toEqual(['b']);
  });

  it('replace moves a timer, keep leaves it, earliest keeps the earlier time', async () => {
    const timer = (dueAt: Date) => [{ queue: Q, key: 'a', kind: 'k', dueAt }];
    await store.schedule(timer(at(10_000)));
    await store.schedule(timer(at(20_000)), { mode: 'keep' });
    expect((await rows())[0].due_at).toEqual(at(10_000));
    await store.schedule(timer(at(30_000)), { mode: 'earliest' });
    expect((await rows())[0].due_at).toEqual(at(10_000));
    await store.schedule(timer(at(5_000)), { mode: 'earliest' });
    expect((await rows())[0].due_at).toEqual(at(5_000));
    await store.schedule(timer(at(40_000)));
    expect((await rows())[0].due_at).toEqual(at(40_000));
  });
});

describe('claims', () => {
  it('claim due timers in due order up to the limit, and not again while leased', async () => {
    await store.schedule([
      { queue: Q, key: 'late', kind: 'k', dueAt: at(-1_000) },
      { queue: Q, key: 'early', kind: 'k', dueAt: at(-3_000) },
      { queue: Q, key: 'middle', kind: 'k', dueAt: at(-2_000) },
      { queue: Q, key: 'future', kind: 'k', dueAt: at(60_000) },
      { queue: 'other-queue', key: 'elsewhere', kind: 'k', dueAt: at(-5_000) },
    ]);
    expect((await store.claim(Q, clock.now(), 2, 60_000)).map((t) => t.key).sort()).toEqual(['early', 'middle']);
    expect((await store.claim(Q, clock.now(), 10, 60_000)).map((t) => t.key)).toEqual(['late']);
    expect(await store.claim(Q, clock.now(), 10, 60_000)).toEqual([]);
  });

  it('concurrent claimers never hold one timer at the same time', async () => {
    await store.schedule(Array.from({ length: 300 }, (_, i) => ({ queue: Q, key: `t${i}`, kind: 'k', dueAt: at(-i) })));
    const claims = await Promise.all(Array.from({ length: 8 }, () => store.claim(Q, clock.now(), 60, 60_000)));
    const keys = claims.flat().map((t) => t.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThan(0);
    const rest = await store.claim(Q, clock.now(), 1000, 60_000);
    expect(keys.length + rest.length).toBe(300);
  });

  it('a lease that runs out (the worker crashed) is claimed again, with the attempt counted', async () => {
    await store.schedule([{ queue: Q, key: 'a', kind: 'k', dueAt: at(-1) }]);
    const [first] = await store.claim(Q, clock.now(), 10, 50); // then the worker "dies"
    expect(first.attempts).toBe(1);
    expect(await store.claim(Q, clock.now(), 10, 60_000)).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    const [again] = await store.claim(Q, clock.now(), 10, 60_000);
    expect(again).toMatchObject({ key: 'a', attempts: 2 });
    // The dead worker's late settle does not touch the new claim.
    await store.settle([{ timer: first, outcome: 'retry', afterMs: 0 }]);
    expect(await rows()).toMatchObject([{ key: 'a', leased: true }]);
  });
});

describe('settle', () => {
  it('in one statement: done deletes, reschedule moves and releases, a timer moved meanwhile is kept', async () => {
    await store.schedule(['done', 'next', 'gone', 'moved'].map((key) => ({ queue: Q, key, kind: 'k', dueAt: at(-1) })));
    const claimed = new Map((await store.claim(Q, clock.now(), 10, 60_000)).map((t) => [t.key, t]));
    await store.schedule([{ queue: Q, key: 'moved', kind: 'k', dueAt: at(-500) }], { mode: 'earliest' });
    const of = (key: string) => claimed.get(key) as ClaimedTimer;
    await store.settle([
      { timer: of('done'), outcome: 'done' },
      { timer: of('next'), outcome: 'reschedule', dueAt: at(86_400_000) },
      { timer: of('gone'), outcome: 'reschedule', dueAt: null },
      { timer: of('moved'), outcome: 'done' },
    ]);
    expect(await rows()).toEqual([
      { key: 'moved', kind: 'k', due_at: at(-500), leased: null, attempts: 0 },
      { key: 'next', kind: 'k', due_at: at(86_400_000), leased: null, attempts: 0 },
    ]);
  });

  it('again: a timer set while its run is under way runs once more after it (earliest would let the run end it)', async () => {
    await store.schedule(['again', 'earliest'].map((key) => ({ queue: Q, key, kind: 'k', dueAt: at(-1) })));
    const claimed = new Map((await store.claim(Q, clock.now(), 10, 60_000)).map((t) => [t.key, t]));
    // New work for both while their runs are under way, set for now.
    await store.schedule([{ queue: Q, key: 'again', kind: 'k', dueAt: at(0) }], { mode: 'again' });
    await store.schedule([{ queue: Q, key: 'earliest', kind: 'k', dueAt: at(0) }], { mode: 'earliest' });
    // Still leased: no second run starts meanwhile.
    expect(await store.claim(Q, clock.now(), 10, 60_000)).toEqual([]);
    await store.settle(
      ['again', 'earliest'].map((key) => ({ timer: claimed.get(key) as ClaimedTimer, outcome: 'done' })),
    );
    expect(await rows()).toEqual([{ key: 'again', kind: 'k', due_at: at(0), leased: null, attempts: 0 }]);
    // At rest, again is earliest: the earlier due time wins.
    await store.schedule([{ queue: Q, key: 'again', kind: 'k', dueAt: at(60_000) }], { mode: 'again' });
    await store.schedule([{ queue: Q, key: 'again', kind: 'k', dueAt: at(-5_000) }], { mode: 'again' });
    expect((await rows())[0].due_at).toEqual(at(-5_000));
  });

  it('brings every timer of one key forward, and no other', async () => {
    await store.schedule([
      { queue: Q, key: 'a', kind: 'x', dueAt: at(10_000) },
      { queue: Q, key: 'a', kind: 'y', dueAt: at(20_000) },
      { queue: Q, key: 'b', kind: 'x', dueAt: at(10_000) },
    ]);
    expect(await store.bringForward(Q, 'a', 10_000)).toBe(2);
    expect((await rows()).map((r) => [r.key, r.kind, r.due_at])).toEqual([
      ['a', 'x', at(0)],
      ['a', 'y', at(10_000)],
      ['b', 'x', at(10_000)],
    ]);
  });
});

describe('the worker', () => {
  it('runs due timers into their handler by kind, retries a failing one with backoff, and survives a restart', async () => {
    const ran: string[] = [];
    let failuresLeft = 2;
    const failures: number[] = [];
    const worker = () =>
      new TimerWorker(store, clock).register({
        name: Q,
        pollMs: 0,
        batchSize: 2,
        concurrency: 2,
        retry: { baseMs: 40, maxMs: 1_000 },
        handle: byKind({
          once: async (timer) => void ran.push(`${timer.key}/once`),
          repeat: async (timer) => {
            ran.push(`${timer.key}/repeat`);
            return { rescheduleAt: at(3_600_000) };
          },
          flaky: async (timer) => {
            if (failuresLeft-- > 0) throw new Error('provider down');
            ran.push(`${timer.key}/flaky`);
          },
        }),
        onFailure: (_timer, _error, retryInMs) => failures.push(retryInMs),
      });
    await store.schedule([
      { queue: Q, key: 'a', kind: 'once', dueAt: at(-3) },
      { queue: Q, key: 'a', kind: 'repeat', dueAt: at(-2) },
      { queue: Q, key: 'b', kind: 'flaky', dueAt: at(-1) },
      { queue: Q, key: 'c', kind: 'once', dueAt: at(60_000) },
    ]);
    const first = worker();
    expect(await first.runDue(Q)).toBe(2);
    expect(ran.sort()).toEqual(['a/once', 'a/repeat']);
    expect(failures).toEqual([40]);
    expect(await first.runDue(Q)).toBe(0); // still backing off
    await new Promise((r) => setTimeout(r, 60));
    const restarted = worker(); // a new process: nothing in memory, the timers are rows
    expect(await restarted.runDue(Q)).toBe(0);
    expect(failures).toEqual([40, 80]); // second failure: the backoff doubles
    await new Promise((r) => setTimeout(r, 100));
    expect(await restarted.runDue(Q)).toBe(1);
    expect(ran).toContain('b/flaky');
    expect((await rows()).map((r) => `${r.key}/${r.kind}`)).toEqual(['a/repeat', 'c/once']);
  });

  it('looks at state after a claim that took timers, before their handlers, and a failed look retries them', async () => {
    const seen: string[] = [];
    let failLook = true;
    const worker = new TimerWorker(store, clock).register({
      name: Q,
      pollMs: 0,
      afterClaim: async (claimed) => {
        seen.push(`after-claim:${claimed.map((t) => t.key).join(',')}`);
        if (failLook) throw new Error('the look failed');
      },
      handle: async (timer) => {
        seen.push(`handle:${timer.key}`);
        return undefined;
      },
    });
    expect(await worker.runDue(Q)).toBe(0);
    expect(seen).toEqual([]); // nothing claimed, nothing looked at
    await store.schedule([{ queue: Q, key: 'x', kind: 'k', dueAt: at(0) }]);
    expect(await worker.runDue(Q)).toBe(0);
    expect(seen).toEqual(['after-claim:x']); // the look failed: the handler did not run, the timer stays
    expect((await rows()).map((r) => r.key)).toEqual(['x']);
    failLook = false;
    // Its retry waits out a backoff as a lease of real time: let it run out.
    await db.pool.query(`UPDATE timers SET lease_until = clock_timestamp() - interval '1 second'`);
    expect(await worker.runDue(Q)).toBe(1);
    expect(seen).toEqual(['after-claim:x', 'after-claim:x', 'handle:x']);
    expect(await rows()).toEqual([]);
  });

  it('counts due and late timers per queue', async () => {
    const worker = new TimerWorker(store, clock)
      .register({ name: Q, pollMs: 0, handle: async () => undefined })
      .register({ name: 'idle-queue', pollMs: 0, handle: async () => undefined });
    await store.schedule([
      { queue: Q, key: 'very-late', kind: 'k', dueAt: at(-120_000) },
      { queue: Q, key: 'just-due', kind: 'k', dueAt: at(-1_000) },
      { queue: Q, key: 'future', kind: 'k', dueAt: at(1_000) },
    ]);
    expect(await worker.counts(60_000)).toEqual({ [Q]: { due: 2, late: 1 }, 'idle-queue': { due: 0, late: 0 } });
  });

  it('exports due and late timers when scraped (once started), and each run by outcome with its delay', async () => {
    const queue = 'metered-queue';
    const worker = new TimerWorker(store, clock).register({
      name: queue,
      pollMs: 0,
      handle: byKind({
        once: async () => undefined,
        again: async () => ({ rescheduleAt: at(3_600_000) }),
        broken: async () => Promise.reject(new Error('provider down')),
      }),
    });
    await store.schedule([
      { queue, key: 'very-late', kind: 'once', dueAt: at(-120_000) },
      { queue, key: 'just-due', kind: 'again', dueAt: at(-1_000) },
      { queue, key: 'failing', kind: 'broken', dueAt: at(-2_000) },
      { queue, key: 'future', kind: 'once', dueAt: at(1_000) },
    ]);
    let text = await metricsText();
    expect(sampleOf(text, `payment_ledger_timers_due{queue="${queue}"}`)).toBeNaN(); // not started: not counted
    worker.start();
    try {
      text = await metricsText();
      expect(sampleOf(text, `payment_ledger_timers_due{queue="${queue}"}`)).toBe(3);
      expect(sampleOf(text, `payment_ledger_timers_late{queue="${queue}"}`)).toBe(1);
      const fired = (outcome: string) =>
        sampleOf(text, `payment_ledger_timers_fired_total{queue="${queue}",outcome="${outcome}"}`);
      expect(await worker.runDue(queue)).toBe(2);
      text = await metricsText();
      expect([fired('done'), fired('rescheduled'), fired('failed')]).toEqual([1, 1, 1]);
      expect(sampleOf(text, `payment_ledger_timer_delay_seconds_count{queue="${queue}"}`)).toBe(3);
      // The very late one ran two minutes after its due time: above the 60 s bucket, within 300 s.
      expect(sampleOf(text, `payment_ledger_timer_delay_seconds_bucket{le="60",queue="${queue}"}`)).toBe(2);
      expect(sampleOf(text, `payment_ledger_timer_delay_seconds_bucket{le="300",queue="${queue}"}`)).toBe(3);
      expect(sampleOf(text, `payment_ledger_timers_due{queue="${queue}"}`)).toBe(1); // the failing one, backing off
      expect(sampleOf(text, `payment_ledger_timers_late{queue="${queue}"}`)).toBe(0);
    } finally {
      await worker.stop();
    }
    expect(await metricsText()).not.toContain(`payment_ledger_timers_due{queue="${queue}"}`);
  });

  it('TimerEntity is the migrated table, and its repository reads what the SQL wrote', async () => {
    const { entity, table } = await entityAndTableColumns(dataSource, TimerEntity);
    expect(entity).toEqual(table);

    await store.schedule([
      { queue: Q, key: 'b', kind: 'k', dueAt: at(-1_000) },
      { queue: Q, key: 'a', kind: 'k', dueAt: at(5_000) },
      { queue: 'other', key: 'a', kind: 'k', dueAt: at(0) },
    ]);
    const [claimed] = await store.claim(Q, clock.now(), 10, 60_000);
    expect(await store.list(Q)).toEqual([
      { queue: Q, key: 'b', kind: 'k', dueAt: at(-1_000), leaseUntil: claimed.leaseUntil, attempts: 1 },
      { queue: Q, key: 'a', kind: 'k', dueAt: at(5_000), leaseUntil: null, attempts: 0 },
    ]);
    expect(await store.list(Q, { key: 'a' })).toHaveLength(1);
    expect((await store.list(Q, { dueBy: clock.now() })).map((t) => t.key)).toEqual(['b']);
  });
});

describe('a continuous queue', () => {
  /** How long the hanging handler hangs (a webhook receiver that answers late). */
  const HANG_MS = 3_000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /**
   * One timer whose handler hangs HANG_MS, due first, and 20 others due after it that take ~20 ms each, on a queue of
   * 4 lanes claiming at most 4 timers at a time; returns when each finished (real time) and what the drain counted.
   */
  async function hangingScenario(queue: string, continuous: boolean) {
    const others = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await store.schedule([
      { queue, key: 'hanging', kind: 'k', dueAt: at(-10_000) },
      ...others.map((key, i) => ({ queue, key, kind: 'k', dueAt: at(-5_000 + i) })),
    ]);
    const finishedAt = new Map<string, number>();
    const worker = new TimerWorker(store, clock).register({
      name: queue,
      pollMs: 0,
      continuous,
      concurrency: 4,
      batchSize: 4,
      handle: async (timer) => {
        await sleep(timer.key === 'hanging' ? HANG_MS : 20);
        finishedAt.set(timer.key, Date.now());
      },
    });
    const handled = await worker.runDue(queue);
    const hangingDone = finishedAt.get('hanging') as number;
    const othersDone = others.map((key) => finishedAt.get(key) as number);
    return { handled, hangingDone, othersDone };
  }

  const left = async (queue: string) =>
    (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM timers WHERE queue = $1`, [queue])).rows[0].n;

  it('runs the other due timers while one handler hangs: all 20 finish well before it, each counted', async () => {
    const queue = 'continuous-queue';
    const { handled, hangingDone, othersDone } = await hangingScenario(queue, true);
    expect(handled).toBe(21);
    expect(othersDone.every((done) => done !== undefined)).toBe(true);
    // Each of the 20 finished at least a second before the hanging one (they take ~20 ms each on 3 free lanes).
    expect(Math.max(...othersDone)).toBeLessThan(hangingDone - 1_000);
    expect(await left(queue)).toBe(0);
    const text = await metricsText();
    expect(sampleOf(text, `payment_ledger_timers_fired_total{queue="${queue}",outcome="done"}`)).toBe(21);
    expect(sampleOf(text, `payment_ledger_timer_delay_seconds_count{queue="${queue}"}`)).toBe(21);
  });

  it('in batches (the default), the same queue holds the later timers back until the hanging handler is done', async () => {
    // As before continuous existed: the first claim takes the hanging timer and the 3 due after it; the next claim
    // waits for the whole batch, so the other 17 run only after the hanging handler (HANG_MS later). This documents
    // the behaviour that continuous queues change; it asserts the order, which the batches decide, not timings.
    const queue = 'batched-queue';
    const { handled, hangingDone, othersDone } = await hangingScenario(queue, false);
    expect(handled).toBe(21);
    expect(othersDone.filter((done) => done > hangingDone)).toHaveLength(17);
    expect(await left(queue)).toBe(0);
  });

  it('two replicas never run one timer at the same time, and run each once', async () => {
    const queue = 'continuous-replicas';
    const keys = Array.from({ length: 80 }, (_, i) => `t${i}`);
    await store.schedule(keys.map((key, i) => ({ queue, key, kind: 'k', dueAt: at(-1_000 + i) })));
    const inFlight = new Set<string>();
    const overlaps: string[] = [];
    const ranBy: Record<string, string[]> = { first: [], second: [] };
    const replica = (name: string) =>
      new TimerWorker(store, clock).register({
        name: queue,
        pollMs: 0,
        continuous: true,
        concurrency: 4,
        batchSize: 4,
        handle: async (timer) => {
          if (inFlight.has(timer.key)) overlaps.push(timer.key);
          inFlight.add(timer.key);
          await sleep(Math.floor(Math.random() * 15));
          inFlight.delete(timer.key);
          ranBy[name].push(timer.key);
        },
      });
    const handled = await Promise.all([replica('first').runDue(queue), replica('second').runDue(queue)]);
    expect(overlaps).toEqual([]);
    expect(handled[0] + handled[1]).toBe(80);
    expect([...ranBy.first, ...ranBy.second].sort()).toEqual([...keys].sort());
    expect(ranBy.first.length).toBeGreaterThan(0);
    expect(ranBy.second.length).toBeGreaterThan(0);
    expect(await left(queue)).toBe(0);
  });
});
