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
  /** Timers of one batch run at once (default 1). */
  concurrency?: number;
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
 * handler, settle in bulk (done, rescheduled, or retried after a backoff), until a claim comes back short. Any number
 * of workers (replicas) may run the same queues; restarts lose nothing, since the timers and their leases are rows.
 */
export class TimerWorker {
  private readonly queues = new Map<string, TimerQueue>();
  private readonly running = new Map<string, Promise<number>>();
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

  async stop(): Promise<void> {
    for (const stopReading of this.stopReadingMetrics.splice(0)) stopReading();
    for (const interval of this.intervals.splice(0)) clearInterval(interval);
    await Promise.all([...this.running.values()].map((run) => run.catch(() => undefined)));
  }

  /** Runs every timer of the queue due now; returns how many ran without failing. Overlapping calls share one run. */
  runDue(queueName: string): Promise<number> {
    const queue = this.queues.get(queueName);
    if (!queue) return Promise.reject(new Error(`no timer queue ${queueName}`));
    let run = this.running.get(queueName);
    if (!run) {
      run = this.drain(queue).finally(() => this.running.delete(queueName));
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
          const timer = due[next++];
          let settlement: Settlement;
          timerDelay.observe(
            { queue: queue.name },
            Math.max(0, this.clock.now().getTime() - timer.dueAt.getTime()) / 1000,
          );
          try {
            await ready;
            const outcome = await queue.handle(timer);
            settlement = outcome
              ? { timer, outcome: 'reschedule', dueAt: outcome.rescheduleAt }
              : { timer, outcome: 'done' };
            handled++;
            timersFired.inc({ queue: queue.name, outcome: outcome ? 'rescheduled' : 'done' });
          } catch (error) {
            const afterMs = backoffMs(retry, timer.attempts);
            queue.onFailure?.(timer, error, afterMs);
            settlement = { timer, outcome: 'retry', afterMs };
            timersFired.inc({ queue: queue.name, outcome: 'failed' });
          }
          // A settle that fails leaves the lease to run out: the timer runs again then.
          await this.settlements.submit(settlement).catch(() => undefined);
        }
      });
      await Promise.all(lanes);
      if (due.length < batchSize) return handled;
    }
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
