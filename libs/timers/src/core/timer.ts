/**
 * A durable timer: when `dueAt` comes (by the service clock), the handler registered for its `queue` runs it, at
 * least once. `key` is what the timer is about (a charge id, an agreement id) and `kind` what it does; one timer per
 * (queue, key, kind), so setting it again moves it rather than adding a second.
 */
export interface TimerKey {
  queue: string;
  key: string;
  kind: string;
}

export interface Timer extends TimerKey {
  dueAt: Date;
}

/** A timer as a worker claimed it: its due time and lease as claimed identify the claim when it is settled. */
export interface ClaimedTimer extends Timer {
  leaseUntil: Date;
  /** Claims since the timer was last set, this one included (1: first run). */
  attempts: number;
}

/**
 * What setting a timer that already exists does:
 * - `replace`: the new due time wins and any lease is dropped (a command moved its deadline);
 * - `keep`: the existing timer stays as it is (a feed that may write the same timer twice);
 * - `earliest`: the earlier of the two due times, lease untouched ("wake no later than");
 * - `again`: as `earliest` for a timer at rest; for one running now (leased), its due time moves past the one it was
 *   claimed at, so that run's settlement cannot end it: it runs once more after (a lane of work that got new work
 *   while its handler was finishing the old, say). The lease is untouched, so no second run starts meanwhile.
 */
export type ScheduleMode = 'replace' | 'keep' | 'earliest' | 'again';

/** A handler's answer: nothing (done: the timer goes) or the timer's next due time (null: it goes). */
export type TimerOutcome = void | { rescheduleAt: Date | null };

/** How a claimed timer ends, written in bulk (see TimerStore.settle). */
export type Settlement =
  | { timer: ClaimedTimer; outcome: 'done' }
  | { timer: ClaimedTimer; outcome: 'reschedule'; dueAt: Date | null }
  | { timer: ClaimedTimer; outcome: 'retry'; afterMs: number };

export interface TimerCounts {
  /** Timers whose due time has come (leased or not). */
  due: number;
  /** Of those, the ones due for longer than the lateness threshold. */
  late: number;
}

/** Where timers are kept; PostgresTimerStore is the one implementation (the only SQL of the engine). */
export interface TimerStore<Session = unknown> {
  schedule(timers: Timer[], options?: { mode?: ScheduleMode; session?: Session }): Promise<void>;
  cancel(keys: TimerKey[], session?: Session): Promise<void>;
  /** Moves every timer of one key earlier by `ms` (a sandbox test clock advanced); returns how many moved. */
  bringForward(queue: string, key: string, ms: number, session?: Session): Promise<number>;
  claim(queue: string, now: Date, limit: number, leaseMs: number): Promise<ClaimedTimer[]>;
  settle(settlements: Settlement[]): Promise<void>;
  counts(now: Date, lateAfterMs: number): Promise<Record<string, TimerCounts>>;
}

/** Exponential backoff after a failed run: `baseMs`, doubled per attempt, at most `maxMs`. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

export function backoffMs(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempts - 1, 30)));
}
