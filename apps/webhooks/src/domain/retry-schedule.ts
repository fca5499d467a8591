/*
 * When a failed delivery is tried again: the Standard Webhooks schedule (immediately, 5 s, 5 min, 30 min, 2 h, 5 h,
 * 10 h, 14 h, 20 h, 24 h: about three days in all), each delay jittered so that the deliveries an outage failed
 * together do not all come back together. Past the last entry the delivery is given up. Pure: the randomness and the
 * clock are the caller's.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Delay before each attempt, the first (immediately) included. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  14 * HOUR,
  20 * HOUR,
  24 * HOUR,
];

/** How far a delay may move either way: ±10%. */
export const RETRY_JITTER = 0.1;

/** The longest wait a receiver's `Retry-After` can ask for: past it, the schedule's own delays apply. */
export const MAX_RETRY_AFTER_MS = DAY;

const UNITS: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY };

/**
 * Reads a schedule from config: comma-separated durations (`0,5s,5m,30m,2h`; units ms, s, m, h, d; a bare 0), the
 * first being the first attempt's. Throws, naming the bad entry, on anything else or a delay shorter than the one
 * before it (a schedule backs off; it does not speed up).
 */
export function parseRetrySchedule(text: string): number[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length === 0 || entries.every((entry) => entry === '')) {
    throw new Error('a retry schedule needs at least one delay');
  }
  const schedule = entries.map((entry) => {
    if (entry === '0') return 0;
    const match = /^(\d+)(ms|s|m|h|d)$/.exec(entry);
    if (!match) throw new Error(`"${entry}" is not a duration such as 0, 500ms, 5s, 5m, 2h or 1d`);
    return Number(match[1]) * UNITS[match[2]];
  });
  schedule.forEach((delay, i) => {
    if (i > 0 && delay < schedule[i - 1]) {
      throw new Error(`"${entries[i]}" is shorter than the delay before it: a retry schedule never speeds up`);
    }
  });
  return schedule;
}

/**
 * How long to wait before the next attempt once `attemptsMade` attempts have been made (0 before the first), or null
 * when the schedule is exhausted: give up. The schedule's delay moved by up to ±RETRY_JITTER, `random` in [0, 1).
 * A 0 stays 0: "immediately" is not delayed.
 */
export function nextAttemptDelayMs(
  schedule: readonly number[],
  attemptsMade: number,
  random: () => number,
): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0 || attemptsMade >= schedule.length) return null;
  const delay = schedule[attemptsMade];
  const jittered = delay * (1 + (2 * random() - 1) * RETRY_JITTER);
  return Math.max(0, Math.round(jittered));
}

/**
 * The wait a `Retry-After` header asks for (RFC 9110: delta-seconds, or an HTTP-date), capped at MAX_RETRY_AFTER_MS;
 * a date already past is 0. Null when absent or unreadable: the schedule decides then.
 */
export function retryAfterMs(headerValue: string | undefined, now: Date): number | null {
  const value = headerValue?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Math.min(Number(value) * SECOND, MAX_RETRY_AFTER_MS);
  // An HTTP-date names a weekday and a GMT time (`Wed, 21 Oct 2015 07:28:00 GMT`, or the obsolete forms).
  if (!/^[A-Za-z]{3,9},? .*\d{2}:\d{2}:\d{2}/.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now.getTime()), MAX_RETRY_AFTER_MS);
}
