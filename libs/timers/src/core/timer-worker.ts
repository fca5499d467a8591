import { RequestCoalescer } from '@payment-ledger/event-store';
import { readOnScrape, timerDelay, timersDue, timersFired, timersLate } from '@payment-ledger/platform';
import {
  backoffMs,
  type ClaimedTimer,
  DEFAULT_RETRY,
  type RetryPolicy,
  type Settlement,
  type TimerCounts,
  type TimerOutcome,
  type TimerStore,
} from './timer';

/**
 * A queue of timers: a registration, not SQL. Its handler is idempotent (a timer fires at least once: a crash after
 * the handler and before the settle runs it again), and dispatches on `timer.kind` (see `byKind`).
 */
export interface TimerQueue {
  name: string;
  handle(timer: ClaimedTimer): Promise<TimerOutcome>;
  /** How often to look for due timers, in ms (0: only when told, through runDue). */
  pollMs: number;
  /** Timers claimed per statement (default 50). */
  batchSize?: number;
  /** Timers of one batch run at once (default 1); with `continuous`, handlers running at once. */
  concurrency?: number;
  /**
   * Lanes that never wait for each other (default false: batches). By default a drain claims a batch, runs it in
   * `concurrency` lanes and claims the next batch only when the whole batch is done: cheap (one claim per batch) and
   * right for handlers that take milliseconds, but one handler that hangs (a webhook receiver that answers after 15 s)
   * holds every other due timer of the queue back that long while the other lanes sit idle.
   *
   * With `continuous`, whenever a lane is free the worker claims more due timers (one claim in flight at a time, at
   * most `min(batchSize, free lanes)` timers, so a claimed timer starts at once and never waits, leased, behind a slow
   * handler): `concurrency` handlers run all the time while timers are due, and a hanging handler occupies only its
   * own lane. After a claim that comes back short, the next claim waits for a reason to look again (a handler that
   * finishes, or a poll / `runDue` while the drain runs); the drain ends when a claim comes back short and no handler
   * is running. The price: up to one claim (and `beforeClaim`) per finished handler instead of one per batch.
   *
   * Each timer is still leased for `leaseMs` from its claim, which is what keeps other replicas off it: a handler
   * that can take longer than its lease is a configuration error (another replica claims the timer again and it runs
   * twice at once), so `leaseMs` must exceed the handler's own timeout with room to spare (a 15 s delivery: 60 s).
   */
  continuous?: boolean;
  /** How long a claim holds a timer, in real time; a worker that dies only delays its timers this long (60 s). */
  leaseMs?: number;
  /** Backoff after a failed run (default 1 s doubling to 5 min). */
  retry?: RetryPolicy;
  /** Runs before each claim (a feed that writes timers read from the event log); a failure is logged and skipped. */
  beforeClaim?: () => Promise<unknown>;
  /**
   * Runs after a claim that took timers, before their handlers: a look at state that must be at least as new as the
   * claimed rows (whatever committed with them is visible now). A failure fails the batch's runs, which are retried.
   */
  afterClaim?: (claimed: readonly ClaimedTimer[]) => Promise<unknown>;
  /** Told about each failed run, with the backoff chosen (logging). */
  onFailure?: (timer: ClaimedTimer, error: unknown, retryInMs: number) => void;
}

/** Dispatch by kind: a handler per kind; a kind without one fails (and is retried, so a deploy can add it). */
export function byKind(
  handlers: Record<string, (timer: ClaimedTimer) => Promise<TimerOutcome>>,
): (timer: ClaimedTimer) => Promise<TimerOutcome> {
  return (timer) => {
    const handler = handlers[timer.kind];
    if (!handler) return Promise.reject(new Error(`no handler for timer kind ${timer.queue}/${timer.kind}`));
    return handler(timer);
  };
}

/** Settlements of runs finishing together go in one statement, two statements in flight at most. */
const SETTLE_BATCHES = { maxInFlight: 2, maxBatch: 128 };

/**
 * Runs the due timers of its registered queues: claim a batch (leased, `SKIP LOCKED`), run each through its queue's
 * handler, settle in bulk (done, rescheduled, or retried after a backoff), until a claim comes back short (a queue
 * with `continuous` claims for each free lane instead of per batch). Any number of workers (replicas) may run the
 * same queues; restarts lose nothing, since the timers and their leases are rows.
 */
export class TimerWorker {
  /** Set by stop(): drains claim nothing more (start() clears it). */
  private stopping = false;
  private readonly queues = new Map<string, TimerQueue>();
  private readonly running = new Map<string, Promise<number>>();
  /** Of the running drains of continuous queues, the way to tell one to look again (a poll while it runs). */
  private readonly lookAgain = new Map<string, () => void>();
  private readonly intervals: NodeJS.Timeout[] = [];
  private readonly stopReadingMetrics: (() => void)[] = [];
  /** The counts a scrape asked for, shared by the two gauges that read them at that scrape. */
  private countsInFlight?: Promise<Record<string, TimerCounts>>;

  constructor(
    private readonly store: TimerStore,
    private readonly clock: { now(): Date },
    /** Told when a poll fails outside any handler (a claim that could not be made); the next poll tries again. */
    private readonly onPollFailed: (error: unknown, queue: string) => void = () => undefined,
  ) {}

  register(queue: TimerQueue): this {
    if (this.queues.has(queue.name)) throw new Error(`timer queue ${queue.name} is registered twice`);
    this.queues.set(queue.name, queue);
    return this;
  }

  /**
   * Starts polling every queue that polls on its own; from now on each Prometheus scrape counts its queues' due and
   * late timers (one query per scrape, none per timer).
   */
  start(): void {
    this.stopping = false;
    const scraped = (pick: (counts: TimerCounts) => number) => async () => {
      const counts = await (this.countsInFlight ??= this.counts().finally(() => (this.countsInFlight = undefined)));
      return Object.entries(counts).map(([queue, c]) => ({ labels: { queue }, value: pick(c) }));
    };
    this.stopReadingMetrics.push(
      readOnScrape(
        timersDue,
        scraped((c) => c.due),
      ),
      readOnScrape(
        timersLate,
        scraped((c) => c.late),
      ),
    );
    for (const queue of this.queues.values()) {
      if (queue.pollMs <= 0) continue;
      this.intervals.push(
        setInterval(
          () => void this.runDue(queue.name).catch((error) => this.onPollFailed(error, queue.name)),
          queue.pollMs,
        ),
      );
    }
  }

  /**
   * Stops polling, lets the handlers running now finish and settle, and claims nothing more meanwhile: a queue whose
   * timers keep coming due (a continuous queue retrying a receiver that hangs) does not hold the stop up.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const stopReading of this.stopReadingMetrics.splice(0)) stopReading();
    for (const interval of this.intervals.splice(0)) clearInterval(interval);
    await Promise.all([...this.running.values()].map((run) => run.catch(() => undefined)));
  }

  /**
   * Runs every timer of the queue due now; returns how many ran without failing. Overlapping calls share one run (of
   * a continuous queue, a call while it runs also makes it claim again if a lane is free: a hanging handler does not
   * keep the polls from finding timers that came due since).
   */
  runDue(queueName: string): Promise<number> {
    const queue = this.queues.get(queueName);
    if (!queue) return Promise.reject(new Error(`no timer queue ${queueName}`));
    let run = this.running.get(queueName);
    if (run) {
      this.lookAgain.get(queueName)?.();
    } else {
      run = (queue.continuous ? this.drainContinuously(queue) : this.drain(queue)).finally(() => {
        this.running.delete(queueName);
        this.lookAgain.delete(queueName);
      });
      this.running.set(queueName, run);
    }
    return run;
  }

  /** Due and late timers of each registered queue (late: due for more than `lateAfterMs`). */
  async counts(lateAfterMs = 60_000): Promise<Record<string, TimerCounts>> {
    const counts = await this.store.counts(this.clock.now(), lateAfterMs);
    return Object.fromEntries([...this.queues.keys()].map((name) => [name, counts[name] ?? { due: 0, late: 0 }]));
  }

  private async drain(queue: TimerQueue): Promise<number> {
    const batchSize = queue.batchSize ?? 50;
    const leaseMs = queue.leaseMs ?? 60_000;
    const retry = queue.retry ?? DEFAULT_RETRY;
    let handled = 0;
    for (;;) {
      await queue.beforeClaim?.().catch(() => undefined);
      const due = await this.store.claim(queue.name, this.clock.now(), batchSize, leaseMs);
      const ready = due.length > 0 && queue.afterClaim ? queue.afterClaim(due) : undefined;
      let next = 0;
      const lanes = Array.from({ length: Math.min(queue.concurrency ?? 1, due.length) }, async () => {
        while (next < due.length) {
          if (await this.fire(queue, due[next++], ready, retry)) handled++;
        }
      });
      await Promise.all(lanes);
      if (due.length < batchSize || this.stopping) return handled;
    }
  }

  /**
   * The drain of a `continuous` queue: no batches, a claim whenever a lane is free and none is in flight (see
   * TimerQueue.continuous). `lookedAgain` counts the reasons to claim again (a handler finished, a poll came): a claim
   * that comes back short stops the claiming only if no such reason came while it was in flight, so none is lost.
   * A claim that fails stops the claiming; the drain then rejects with it once its running handlers are done.
   */
  private drainContinuously(queue: TimerQueue): Promise<number> {
    const batchSize = queue.batchSize ?? 50;
    const leaseMs = queue.leaseMs ?? 60_000;
    const retry = queue.retry ?? DEFAULT_RETRY;
    const concurrency = Math.max(1, queue.concurrency ?? 1);
    let handled = 0;
    let runningHandlers = 0;
    let claiming = false;
    let exhausted = false;
    let lookedAgain = 0;
    let claimFailed: { error: unknown } | undefined;
    let ended = false;
    return new Promise<number>((resolve, reject) => {
      const claimMore = async (limit: number) => {
        const lookedAgainBefore = lookedAgain;
        try {
          await queue.beforeClaim?.().catch(() => undefined);
          const due = await this.store.claim(queue.name, this.clock.now(), limit, leaseMs);
          exhausted = due.length < limit && lookedAgain === lookedAgainBefore;
          const ready = due.length > 0 && queue.afterClaim ? queue.afterClaim(due) : undefined;
          // Not awaited here: a failed look fails those runs (in fire), and must not be left unhandled meanwhile.
          ready?.catch(() => undefined);
          for (const timer of due) {
            runningHandlers++;
            void this.fire(queue, timer, ready, retry)
              .catch(() => false) // an onFailure that throws: the run failed all the same, the lane goes on
              .then((ok) => {
                if (ok) handled++;
                runningHandlers--;
                lookAgain();
              });
          }
        } catch (error) {
          claimFailed = { error };
        } finally {
          claiming = false;
        }
        pump();
      };
      // A reason to look again: a claim in flight sees it in `lookedAgain` and does not mark the queue exhausted.
      const lookAgain = () => {
        lookedAgain++;
        exhausted = false;
        pump();
      };
      const pump = () => {
        if (claiming || ended) return;
        if (claimFailed || exhausted || this.stopping) {
          if (runningHandlers > 0) return;
          ended = true; // a late poll must not start a claim for a drain whose promise is settled
          if (claimFailed) reject(claimFailed.error);
          else resolve(handled);
          return;
        }
        const freeLanes = concurrency - runningHandlers;
        if (freeLanes <= 0) return;
        claiming = true;
        void claimMore(Math.min(batchSize, freeLanes));
      };
      this.lookAgain.set(queue.name, lookAgain);
      pump();
    });
  }

  /**
   * Runs one claimed timer through its queue's handler (once `ready`, the afterClaim look of its claim, resolves) and
   * settles it; true if the handler did not fail (a failure is a retry after the queue's backoff). Rejects only if
   * `onFailure` throws.
   */
  private async fire(
    queue: TimerQueue,
    timer: ClaimedTimer,
    ready: Promise<unknown> | undefined,
    retry: RetryPolicy,
  ): Promise<boolean> {
    let settlement: Settlement;
    let ok = false;
    timerDelay.observe({ queue: queue.name }, Math.max(0, this.clock.now().getTime() - timer.dueAt.getTime()) / 1000);
    try {
      await ready;
      const outcome = await queue.handle(timer);
      settlement = outcome ? { timer, outcome: 'reschedule', dueAt: outcome.rescheduleAt } : { timer, outcome: 'done' };
      ok = true;
      timersFired.inc({ queue: queue.name, outcome: outcome ? 'rescheduled' : 'done' });
    } catch (error) {
      const afterMs = backoffMs(retry, timer.attempts);
      queue.onFailure?.(timer, error, afterMs);
      settlement = { timer, outcome: 'retry', afterMs };
      timersFired.inc({ queue: queue.name, outcome: 'failed' });
    }
    // A settle that fails leaves the lease to run out: the timer runs again then.
    await this.settlements.submit(settlement).catch(() => undefined);
    return ok;
  }

  private readonly settlements = new RequestCoalescer<Settlement, void>(
    SETTLE_BATCHES,
    async (batch) => {
      await this.store.settle(batch);
      return batch.map(() => ({ ok: true, value: undefined }));
    },
    (s) => `${s.timer.queue}\u0000${s.timer.key}\u0000${s.timer.kind}`,
  );
}
