/**
 * The worker's lanes on an in-memory store (the SQL and leases on real PostgreSQL are in timer-engine.int-spec.ts):
 * a `continuous` queue claims for each free lane, so a handler that hangs holds only its own lane; the default queue
 * still runs in batches, one after the other.
 */
import { ManualClock } from '@payment-ledger/platform';
import type { ClaimedTimer, Settlement, Timer, TimerCounts, TimerOutcome, TimerStore } from './timer';
import { type TimerQueue, TimerWorker } from './timer-worker';

/**
 * The store's contract in memory: claims in due order, leased in real time (as the SQL's clock_timestamp()), a
 * settle that only ends the claim it names. Records each claim's limit and how many claims were in flight.
 */
class InMemoryTimerStore implements TimerStore {
  readonly rows = new Map<string, Omit<ClaimedTimer, 'leaseUntil'> & { leaseUntil: Date | null }>();
  readonly claims: { limit: number; took: string[] }[] = [];
  claimsInFlight = 0;
  maxClaimsInFlight = 0;
  failNextClaim?: Error;

  async schedule(timers: Timer[]): Promise<void> {
    for (const t of timers) this.rows.set(`${t.queue}/${t.key}/${t.kind}`, { ...t, leaseUntil: null, attempts: 0 });
  }
  async cancel(): Promise<void> {}
  async bringForward(): Promise<number> {
    return 0;
  }
  async claim(queue: string, now: Date, limit: number, leaseMs: number): Promise<ClaimedTimer[]> {
    this.maxClaimsInFlight = Math.max(this.maxClaimsInFlight, ++this.claimsInFlight);
    try {
      await new Promise((r) => setTimeout(r, 1)); // a round trip: other lanes may finish meanwhile
      const failure = this.failNextClaim;
      this.failNextClaim = undefined;
      if (failure) throw failure;
      const free = [...this.rows.values()]
        .filter((t) => t.queue === queue && t.dueAt <= now && (!t.leaseUntil || t.leaseUntil.getTime() < Date.now()))
        .sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime())
        .slice(0, limit);
      const leaseUntil = new Date(Date.now() + leaseMs);
      const claimed = free.map((t) => Object.assign(t, { leaseUntil, attempts: t.attempts + 1 }));
      this.claims.push({ limit, took: claimed.map((t) => t.key) });
      return claimed.map((t) => ({ ...t, leaseUntil }));
    } finally {
      this.claimsInFlight--;
    }
  }
  async settle(settlements: Settlement[]): Promise<void> {
    for (const s of settlements) {
      const id = `${s.timer.queue}/${s.timer.key}/${s.timer.kind}`;
      const row = this.rows.get(id);
      if (!row || row.leaseUntil?.getTime() !== s.timer.leaseUntil.getTime()) continue;
      if (s.outcome === 'done' || (s.outcome === 'reschedule' && !s.dueAt)) this.rows.delete(id);
      else if (s.outcome === 'reschedule') Object.assign(row, { dueAt: s.dueAt, leaseUntil: null, attempts: 0 });
      else Object.assign(row, { leaseUntil: new Date(Date.now() + s.afterMs) });
    }
  }
  async counts(): Promise<Record<string, TimerCounts>> {
    return {};
  }
}

const Q = 'q';
const clock = new ManualClock(new Date('2026-03-01T00:00:00.000Z'));
const at = (offsetMs: number) => new Date(clock.now().getTime() + offsetMs);
const due = (keys: string[]) => keys.map((key, i) => ({ queue: Q, key, kind: 'k', dueAt: at(-1_000 + i) }));
const keys = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(2, '0')}`);

/** A handler that hangs until released. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void;
  const wait = new Promise<void>((r) => (release = r));
  return { wait, release };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let store: InMemoryTimerStore;
beforeEach(() => (store = new InMemoryTimerStore()));

/** A worker whose handler hangs on `blocked` keys until their gate opens, and records what finished, in order. */
function workerWith(queue: Partial<TimerQueue>, blocked: Record<string, Promise<void>> = {}) {
  const finished: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const handle = async (timer: ClaimedTimer): Promise<TimerOutcome> => {
    maxRunning = Math.max(maxRunning, ++running);
    try {
      await (blocked[timer.key] ?? new Promise((r) => setTimeout(r, 2)));
      finished.push(timer.key);
    } finally {
      running--;
    }
  };
  const worker = new TimerWorker(store, clock).register({ name: Q, pollMs: 0, handle, ...queue });
  return { worker, finished, running: () => running, maxRunning: () => maxRunning };
}

describe('a continuous queue', () => {
  it('runs every other due timer while one handler hangs, with at most `concurrency` at once', async () => {
    const hang = gate();
    const others = keys('t', 20);
    await store.schedule(due(['blocked', ...others]));
    const { worker, finished, maxRunning } = workerWith(
      { continuous: true, concurrency: 4, batchSize: 50 },
      { blocked: hang.wait },
    );
    let drained: number | undefined;
    const run = worker.runDue(Q).then((n) => (drained = n));
    await until(() => finished.length === 20, 'the 20 others');
    expect(finished.sort()).toEqual(others);
    expect(drained).toBeUndefined(); // the drain waits for its hanging handler
    hang.release();
    await run;
    expect(drained).toBe(21);
    expect(finished.at(-1)).toBe('blocked');
    expect(maxRunning()).toBe(4);
    expect(store.rows.size).toBe(0);
    // One claim in flight at a time, each for no more than the free lanes (never 50 timers left waiting, leased).
    expect(store.maxClaimsInFlight).toBe(1);
    expect(Math.max(...store.claims.map((c) => c.limit))).toBeLessThanOrEqual(4);
    expect(store.claims.at(-1)?.took).toEqual([]); // it ended on an empty claim
  });

  it('stop() lets the running handlers finish and claims nothing more, though timers keep coming due', async () => {
    await store.schedule(due(keys('r', 8)));
    // Every run reschedules its timer for now: the queue never runs dry (a receiver that keeps failing, say).
    const worker = new TimerWorker(store, clock).register({
      name: Q,
      pollMs: 0,
      continuous: true,
      concurrency: 2,
      handle: async () => {
        await new Promise((r) => setTimeout(r, 2));
        return { rescheduleAt: at(-1) };
      },
    });
    const run = worker.runDue(Q);
    await until(() => store.claims.length >= 5, 'a few claims');
    await worker.stop();
    const claimsAtStop = store.claims.length;
    await run;
    await new Promise((r) => setTimeout(r, 20));
    expect(store.claims.length).toBe(claimsAtStop);
    // Every timer it ran is settled (none left leased), and all are still there to run after a restart.
    expect([...store.rows.values()].every((t) => t.leaseUntil === null)).toBe(true);
    expect(store.rows.size).toBe(8);
  });

  it('claims at most batchSize when more lanes are free', async () => {
    await store.schedule(due(keys('t', 10)));
    const { worker } = workerWith({ continuous: true, concurrency: 8, batchSize: 3 });
    expect(await worker.runDue(Q)).toBe(10);
    expect(store.claims[0]).toEqual({ limit: 3, took: ['t00', 't01', 't02'] });
    expect(Math.max(...store.claims.map((c) => c.limit))).toBe(3);
  });

  it('ends at once on an empty queue, and a poll while it runs finds timers that came due since', async () => {
    const { worker } = workerWith({ continuous: true, concurrency: 2 });
    expect(await worker.runDue(Q)).toBe(0);
    expect(store.claims).toEqual([{ limit: 2, took: [] }]);

    const hang = gate();
    const blocked = workerWith({ continuous: true, concurrency: 2 }, { blocked: hang.wait });
    await store.schedule(due(['blocked']));
    const run = blocked.worker.runDue(Q);
    await until(() => blocked.running() === 1 && store.claimsInFlight === 0, 'the blocked handler alone');
    await store.schedule([{ queue: Q, key: 'later', kind: 'k', dueAt: at(0) }]);
    const claimsBefore = store.claims.length;
    const again = blocked.worker.runDue(Q); // the poll: shares the run, and makes it claim again
    expect(again).toBe(run);
    await until(() => blocked.finished.includes('later'), 'the timer that came due');
    expect(store.claims.length).toBeGreaterThan(claimsBefore);
    expect(blocked.finished).toEqual(['later']);
    hang.release();
    expect(await run).toBe(2);
  });

  it("looks after each claim at that claim's timers, before their handlers; a failed look retries them", async () => {
    await store.schedule(due(['a', 'b', 'c']));
    const seen: string[] = [];
    const failures: [string, number][] = [];
    let failLook = true;
    const worker = new TimerWorker(store, clock).register({
      name: Q,
      pollMs: 0,
      continuous: true,
      concurrency: 2,
      retry: { baseMs: 100_000, maxMs: 100_000 },
      afterClaim: async (claimed) => {
        seen.push(`look:${claimed.map((t) => t.key).join(',')}`);
        if (failLook) {
          failLook = false;
          throw new Error('the look failed');
        }
      },
      handle: async (timer) => void seen.push(`handle:${timer.key}`),
      onFailure: (timer, _error, retryInMs) => failures.push([timer.key, retryInMs]),
    });
    expect(await worker.runDue(Q)).toBe(1);
    // The first claim (a, b) was looked at and failed: both retried after the backoff; c ran after its own look.
    expect(seen).toEqual(['look:a,b', 'look:c', 'handle:c']);
    expect(failures).toEqual([
      ['a', 100_000],
      ['b', 100_000],
    ]);
    expect([...store.rows.values()].map((t) => t.key).sort()).toEqual(['a', 'b']);
  });

  it('settles runs that fail or reschedule, and runs beforeClaim before each claim', async () => {
    await store.schedule(due(['fails', 'again', 'once']));
    let beforeClaims = 0;
    const worker = new TimerWorker(store, clock).register({
      name: Q,
      pollMs: 0,
      continuous: true,
      concurrency: 3,
      beforeClaim: async () => {
        beforeClaims++;
        throw new Error('a feed that failed is skipped');
      },
      handle: async (timer) => {
        if (timer.key === 'fails') throw new Error('provider down');
        if (timer.key === 'again') return { rescheduleAt: at(3_600_000) };
      },
    });
    expect(await worker.runDue(Q)).toBe(2);
    expect(beforeClaims).toBe(store.claims.length);
    expect([...store.rows.values()].map((t) => [t.key, t.dueAt, t.attempts])).toEqual([
      ['fails', due(['fails'])[0].dueAt, 1],
      ['again', at(3_600_000), 0],
    ]);
  });

  it('a claim that fails ends the drain with its error, once the running handlers are done', async () => {
    const hang = gate();
    await store.schedule(due(['blocked', 'next']));
    const { worker, finished, running } = workerWith({ continuous: true, concurrency: 2 }, { blocked: hang.wait });
    let outcome: unknown;
    const run = worker.runDue(Q).then(
      () => (outcome = 'resolved'),
      (error: Error) => (outcome = error.message),
    );
    await until(() => finished.includes('next') && store.claimsInFlight === 0, 'next');
    store.failNextClaim = new Error('database down');
    void worker.runDue(Q); // a poll: claims again, and that claim fails
    await until(() => store.failNextClaim === undefined && store.claimsInFlight === 0, 'the failed claim');
    await new Promise((r) => setTimeout(r, 10));
    expect(outcome).toBeUndefined(); // the hanging handler still runs
    expect(running()).toBe(1);
    hang.release();
    await run;
    expect(outcome).toBe('database down');
    expect(finished).toEqual(['next', 'blocked']);
  });
});

describe('a queue in batches (the default)', () => {
  it('claims the next batch only when the whole batch is done: a hanging handler holds the later timers back', async () => {
    const hang = gate();
    await store.schedule(due(['blocked', ...keys('t', 5)]));
    const { worker, finished } = workerWith({ concurrency: 2, batchSize: 2 }, { blocked: hang.wait });
    const run = worker.runDue(Q);
    await until(() => finished.length === 1, 'the other timer of the first batch');
    await new Promise((r) => setTimeout(r, 20));
    expect(finished).toEqual(['t00']); // the free lane waits
    expect(store.claims).toEqual([{ limit: 2, took: ['blocked', 't00'] }]);
    hang.release();
    expect(await run).toBe(6);
    expect(finished).toEqual(['t00', 'blocked', 't01', 't02', 't03', 't04']);
    expect(store.claims.map((c) => c.took.length)).toEqual([2, 2, 2, 0]);
  });
});
