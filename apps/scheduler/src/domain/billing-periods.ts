/**
 * Billing-schedule arithmetic for recurring payments: when each billing period of a schedule falls due.
 *
 * Owns validating schedule terms, the instant period N is due, which periods are due by an instant and which period
 * comes next. Pure: no clock (callers pass `until` / `after`), no I/O, nothing beyond `Date` and `Intl`.
 *
 * Rules:
 * - Period N is computed from the start, never from period N-1, so month-end clamping cannot drift:
 *   MONTHLY / YEARLY keep the start's day of month, clamped to the month's length (Jan 31 → Feb 28 → Mar 31);
 *   DAILY / WEEKLY add `interval` (× 7) calendar days.
 * - The arithmetic runs on the start's local wall clock (in `timeZone`, else the fixed offset written in `startDate`),
 *   and the resulting wall time is then placed back on the time line. So 09:00 stays 09:00 local across DST changes.
 *   A wall time skipped by a forward change is moved forward by the length of the skip (02:30 → 03:30 in New York);
 *   a wall time repeated by a backward change takes its earlier occurrence.
 * - Period 0 is exactly `startDate`, even when that is the later occurrence of a repeated hour.
 * - Periods strictly increase (see `keepBeforeNext` for the one case where the rule above alone would not).
 * - A period starting exactly at `endDate` is billed; one starting after it is not.
 *
 * Bad terms or arguments throw a `RangeError` whose message is a stable code (`validateTerms` returns the same codes).
 */
import type { ScheduleTerms } from '@payment-ledger/contracts';

export type FrequencyType = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export interface Frequency {
  type: FrequencyType;
  /** Integer 1..366: bill every `interval` days / weeks / months / years. */
  interval: number;
}

/** The terms are part of the published BillingScheduleStarted event, so their type lives in the contracts. */
export type { ScheduleTerms };

export type ScheduleTermsError =
  | 'invalid_start_date'
  | 'invalid_end_date'
  | 'end_before_start'
  | 'invalid_frequency'
  | 'invalid_interval'
  | 'invalid_time_zone';

const FREQUENCY_TYPES: readonly string[] = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] satisfies FrequencyType[];
const MAX_INTERVAL = 366;
const DEFAULT_LIMIT = 10_000;

const SECOND_MS = 1_000;
const DAY_MS = 86_400_000;
/** Keeps a wall time, the lookups a day either side of it and any UTC offset inside the range `Date` can hold. */
const MAX_WALL_MS = 8.64e15 - 2 * DAY_MS;

/** The UTC offset rule of a schedule: the start's written offset, or an IANA zone's rules read through `Intl`. */
type Zone = { kind: 'fixed'; offsetMs: number } | { kind: 'iana'; format: Intl.DateTimeFormat };

/** Validated terms with the start broken into its local calendar date and time of day. */
interface Schedule {
  type: FrequencyType;
  interval: number;
  zone: Zone;
  startMs: number;
  startYear: number;
  /** 0-based, as `Date` counts months. */
  startMonth: number;
  startDay: number;
  startTimeOfDayMs: number;
  endMs: number | null;
}

/** The instant period `index` (0-based; period 0 starts at startDate) is due. */
export function periodStart(terms: ScheduleTerms, index: number): Date {
  const schedule = compileOrThrow(terms);
  checkCount(index, 'invalid_index');
  const at = periodInstant(schedule, index);
  if (at === null) throw new RangeError('period_out_of_range');
  return new Date(at);
}

/** Every period index with start <= until (and within endDate), from `fromIndex`, capped at `limit` (default 10_000). */
export function duePeriods(terms: ScheduleTerms, until: Date, fromIndex = 0, limit = DEFAULT_LIMIT): number[] {
  const schedule = compileOrThrow(terms);
  const untilMs = instantArgument(until, 'invalid_until');
  checkCount(fromIndex, 'invalid_index');
  checkCount(limit, 'invalid_limit');
  const bound = schedule.endMs === null ? untilMs : Math.min(untilMs, schedule.endMs);
  const due: number[] = [];
  for (let index = fromIndex; due.length < limit; index++) {
    const at = periodInstant(schedule, index);
    if (at === null || at > bound) break;
    due.push(index);
  }
  return due;
}

/** The first period index whose start is > after, or null when the schedule has ended. */
export function nextPeriodAfter(terms: ScheduleTerms, after: Date): { index: number; dueAt: Date } | null {
  const schedule = compileOrThrow(terms);
  const afterMs = instantArgument(after, 'invalid_after');
  if (schedule.endMs !== null && afterMs >= schedule.endMs) return null;
  const startsBy = (index: number): boolean => {
    const at = periodInstant(schedule, index);
    return at !== null && at <= afterMs; // beyond what `Date` can hold counts as "later than anything"
  };
  // Periods strictly increase, so `after` may be decades past the start: double an upper bound, then bisect.
  let started = -1; // the greatest index known to start by `after` (-1: none)
  let notYet = 0; // an index known to start after `after`, once the doubling stops
  while (startsBy(notYet)) {
    started = notYet;
    notYet = notYet * 2 + 1;
  }
  while (notYet - started > 1) {
    const middle = started + Math.floor((notYet - started) / 2);
    if (startsBy(middle)) started = middle;
    else notYet = middle;
  }
  const dueAt = periodInstant(schedule, notYet);
  if (dueAt === null || (schedule.endMs !== null && dueAt > schedule.endMs)) return null;
  return { index: notYet, dueAt: new Date(dueAt) };
}

/** null when the terms are usable, else the code of the first failing check (in the order listed at `compile`). */
export function validateTerms(terms: ScheduleTerms): ScheduleTermsError | null {
  const compiled = compile(terms);
  return typeof compiled === 'string' ? compiled : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Terms

/**
 * Checks in this order: invalid_start_date, invalid_end_date, end_before_start, invalid_frequency, invalid_interval,
 * invalid_time_zone. Reads the terms defensively: they usually arrive as JSON.
 */
function compile(terms: ScheduleTerms): Schedule | ScheduleTermsError {
  const raw: Record<string, unknown> = isRecord(terms) ? terms : {};
  const start = parseInstant(raw.startDate);
  if (start === null) return 'invalid_start_date';

  let endMs: number | null = null;
  if (raw.endDate !== null && raw.endDate !== undefined) {
    const end = parseInstant(raw.endDate);
    if (end === null) return 'invalid_end_date';
    endMs = end.instantMs;
  }
  if (endMs !== null && endMs < start.instantMs) return 'end_before_start';

  const frequency: Record<string, unknown> = isRecord(raw.frequency) ? raw.frequency : {};
  const type = frequency.type;
  if (typeof type !== 'string' || !FREQUENCY_TYPES.includes(type)) return 'invalid_frequency';
  const interval = frequency.interval;
  if (typeof interval !== 'number' || !Number.isInteger(interval) || interval < 1 || interval > MAX_INTERVAL) {
    return 'invalid_interval';
  }

  let zone: Zone = { kind: 'fixed', offsetMs: start.offsetMs };
  if (raw.timeZone !== undefined && raw.timeZone !== null) {
    const format = typeof raw.timeZone === 'string' ? zoneFormat(raw.timeZone) : null;
    if (format === null) return 'invalid_time_zone';
    zone = { kind: 'iana', format };
  }

  const startWall = new Date(start.instantMs + offsetAt(zone, start.instantMs));
  const startYear = startWall.getUTCFullYear();
  const startMonth = startWall.getUTCMonth();
  const startDay = startWall.getUTCDate();
  return {
    type: type as FrequencyType,
    interval,
    zone,
    startMs: start.instantMs,
    startYear,
    startMonth,
    startDay,
    startTimeOfDayMs: startWall.getTime() - wallTime(startYear, startMonth, startDay, 0),
    endMs,
  };
}

function compileOrThrow(terms: ScheduleTerms): Schedule {
  const compiled = compile(terms);
  if (typeof compiled === 'string') throw new RangeError(compiled);
  return compiled;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function checkCount(value: number, code: string): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(code);
}

function instantArgument(value: Date, code: string): number {
  const ms = value instanceof Date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw new RangeError(code);
  return ms;
}

/**
 * RFC 3339 profile of ISO 8601: date, `T`, hh:mm[:ss[.fraction]], then `Z` or ±hh:mm. The offset is required: a bare
 * local time names no instant. Fractions beyond milliseconds are truncated (`Date` holds no finer).
 */
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

function parseInstant(text: unknown): { instantMs: number; offsetMs: number } | null {
  if (typeof text !== 'string') return null;
  const match = INSTANT.exec(text);
  if (match === null) return null;
  const [year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = match
    .slice(1)
    .map((field) => Number(field ?? 0));
  const millisecond = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month - 1) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59;
  if (!valid) return null;
  const offsetMs = (match[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const wall = wallTime(year, month - 1, day, ((hour * 60 + minute) * 60 + second) * SECOND_MS + millisecond);
  return { instantMs: wall - offsetMs, offsetMs };
}

// ---------------------------------------------------------------------------------------------------------------
// Periods

/** The instant period `index` is due, or null when it lies beyond the range `Date` can hold. */
function periodInstant(schedule: Schedule, index: number): number | null {
  if (index === 0) return schedule.startMs;
  const wall = periodWallTime(schedule, index);
  if (wall === null) return null;
  const placed = placeWallTime(schedule.zone, wall);
  if (placed.gap === null) return placed.instantMs;
  return keepBeforeNext(schedule, index, wall, placed.instantMs, placed.gap);
}

/**
 * The start's wall time moved on by `index` periods: whole calendar days, or months / years with the day of month
 * clamped to the target month's length. Null when out of range.
 */
function periodWallTime(schedule: Schedule, index: number): number | null {
  const { startYear: year, startMonth: month, startDay: day, startTimeOfDayMs: time } = schedule;
  const steps = schedule.interval * index;
  let wall: number;
  switch (schedule.type) {
    case 'DAILY':
      wall = wallTime(year, month, day + steps, time); // `Date` carries surplus days into months and years
      break;
    case 'WEEKLY':
      wall = wallTime(year, month, day + 7 * steps, time);
      break;
    case 'MONTHLY': {
      const months = month + steps;
      const targetYear = year + Math.floor(months / 12);
      const targetMonth = months - 12 * Math.floor(months / 12);
      wall = wallTime(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)), time);
      break;
    }
    case 'YEARLY':
      wall = wallTime(year + steps, month, Math.min(day, daysInMonth(year + steps, month)), time);
      break;
  }
  return Number.isFinite(wall) && Math.abs(wall) <= MAX_WALL_MS ? wall : null;
}

/**
 * Shifting a skipped wall time forward by the gap keeps it before the next period unless the gap is a whole skipped
 * calendar day (Pacific/Apia 2011-12-30, Pacific/Kwajalein 1993-08-21): 09:00 on the skipped day would land on the
 * next day's 09:00. Then the period is due at the first instant after the gap (midnight of the next day), or, for a
 * schedule whose next period is due exactly then (a midnight schedule), one millisecond before it.
 */
function keepBeforeNext(schedule: Schedule, index: number, wall: number, shiftedMs: number, gap: Gap): number {
  const nextWall = periodWallTime(schedule, index + 1);
  const nextMs = nextWall === null ? Infinity : placeWallTime(schedule.zone, nextWall).instantMs;
  if (shiftedMs < nextMs) return shiftedMs;
  // `wall - offsetAfter` reads the skipped wall time with the later offset: an instant before the change.
  const afterGapMs = transitionInstant(schedule.zone, wall - gap.offsetAfterMs, shiftedMs);
  return afterGapMs < nextMs ? afterGapMs : nextMs - 1;
}

// ---------------------------------------------------------------------------------------------------------------
// Calendar and time-zone conversion.
//
// A wall time is a local date and time of day encoded as the milliseconds since 1970-01-01T00:00 *on that wall
// clock*, i.e. as if the clock were UTC. `Date`'s UTC methods then do plain calendar arithmetic (proleptic Gregorian,
// no zone). An instant is ordinary epoch milliseconds; instant + UTC offset (east positive) = wall time.

/** `Date.UTC` reads years 0-99 as 1900-1999; `setUTCFullYear` does not. NaN when out of `Date`'s range. */
function wallTime(year: number, month: number, day: number, timeOfDayMs: number): number {
  return new Date(0).setUTCFullYear(year, month, day) + timeOfDayMs;
}

function daysInMonth(year: number, month: number): number {
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month + 1, 0); // day 0 of the next month is the last day of this one
  return lastDay.getUTCDate();
}

// Building an Intl.DateTimeFormat costs far more than using one, and schedules share a handful of zones. Zone names
// are case-insensitive, so keying on the lower-cased name bounds the cache by the zone database, not by the input.
const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** A formatter showing the full local date and time in `timeZone`, or null when `Intl` does not know the zone. */
function zoneFormat(timeZone: string): Intl.DateTimeFormat | null {
  const key = timeZone.toLowerCase();
  let format = zoneFormats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        calendar: 'gregory',
        numberingSystem: 'latn',
        hourCycle: 'h23',
        era: 'short', // without it, 1 BC would read as year 1
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return null; // RangeError: invalid time zone
    }
    zoneFormats.set(key, format);
  }
  return format;
}

/** The UTC offset (ms, east positive) in effect at `instantMs`. */
function offsetAt(zone: Zone, instantMs: number): number {
  if (zone.kind === 'fixed') return zone.offsetMs;
  // Intl shows whole seconds, so compare it with the whole second; offsets change only on whole seconds.
  const secondMs = Math.floor(instantMs / SECOND_MS) * SECOND_MS;
  const field: Record<string, number> = {};
  let beforeChrist = false;
  for (const part of zone.format.formatToParts(secondMs)) {
    if (part.type === 'era') beforeChrist = part.value === 'BC';
    else if (part.type !== 'literal') field[part.type] = Number(part.value);
  }
  const year = beforeChrist ? 1 - field.year : field.year;
  const timeOfDayMs = (((field.hour % 24) * 60 + field.minute) * 60 + field.second) * SECOND_MS;
  return wallTime(year, field.month - 1, field.day, timeOfDayMs) - secondMs;
}

/** The offsets either side of the forward change that skipped a wall time. */
interface Gap {
  offsetBeforeMs: number;
  offsetAfterMs: number;
}

/**
 * The instant a zone's clock shows `wall`: the earlier one when the clock shows it twice (backward change), or, when
 * the clock skips it (forward change), the wall time shifted forward by the length of the gap, with the gap reported.
 */
function placeWallTime(zone: Zone, wall: number): { instantMs: number; gap: Gap | null } {
  if (zone.kind === 'fixed') return { instantMs: wall - zone.offsetMs, gap: null };
  // The offsets in effect a day before and after `wall` (read as if it were an instant) are the only ones that can
  // apply: offsets are under a day and zones do not change twice within two days. For an offset `o`, the instant
  // `wall - o` shows `wall` exactly when `o` is in effect at that instant.
  const offsetBeforeMs = offsetAt(zone, wall - DAY_MS);
  const offsetAfterMs = offsetAt(zone, wall + DAY_MS);
  const candidates = offsetBeforeMs === offsetAfterMs ? [offsetBeforeMs] : [offsetBeforeMs, offsetAfterMs];
  const matches = candidates.map((offsetMs) => wall - offsetMs).filter((at) => wall - at === offsetAt(zone, at));
  if (matches.length > 0) return { instantMs: Math.min(...matches), gap: null };
  // Skipped: read `wall` with the offset from before the change. That instant lies after the change, where the clock
  // shows `wall` + (offsetAfter - offsetBefore), e.g. 02:30 → 03:30 when New York springs forward.
  return { instantMs: wall - offsetBeforeMs, gap: { offsetBeforeMs, offsetAfterMs } };
}

/** The first instant on the new offset, given an instant before a single offset change and one at or after it. */
function transitionInstant(zone: Zone, beforeMs: number, afterMs: number): number {
  const offsetBeforeMs = offsetAt(zone, beforeMs);
  // Bisect on whole seconds (offsets change only on them): `low` keeps the old offset, `high` has the new one.
  let low = Math.floor(beforeMs / SECOND_MS);
  let high = Math.ceil(afterMs / SECOND_MS);
  while (high - low > 1) {
    const middle = low + Math.floor((high - low) / 2);
    if (offsetAt(zone, middle * SECOND_MS) === offsetBeforeMs) low = middle;
    else high = middle;
  }
  return high * SECOND_MS;
}
