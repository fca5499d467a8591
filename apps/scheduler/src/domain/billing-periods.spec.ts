import fc from 'fast-check';
import {
  duePeriods,
  type FrequencyType,
  nextPeriodAfter,
  periodStart,
  type ScheduleTerms,
  validateTerms,
} from './billing-periods';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RUNS = { numRuns: 300 };

function terms(
  startDate: string,
  type: FrequencyType,
  interval = 1,
  more: Partial<Omit<ScheduleTerms, 'frequency'>> = {},
): ScheduleTerms {
  return { startDate, endDate: null, frequency: { type, interval }, ...more };
}

/** The first `count` period starts as ISO strings in UTC. */
function starts(schedule: ScheduleTerms, count: number): string[] {
  return Array.from({ length: count }, (_, index) => periodStart(schedule, index).toISOString());
}

function range(length: number): number[] {
  return Array.from({ length }, (_, index) => index);
}

// An oracle for local wall clocks, written separately from the module: the wall time an instant shows in `zone`,
// as milliseconds since 1970-01-01T00:00 on that wall clock.
const oracleFormats = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, instantMs: number): number {
  let format = oracleFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    oracleFormats.set(zone, format);
  }
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  const part = (type: string): number => Number(format.formatToParts(wholeSecond).find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall + (instantMs - wholeSecond);
}

function zoneOffset(zone: string, instantMs: number): number {
  return wallClock(zone, instantMs) - instantMs;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

function isoWithOffset(wallMs: number, offsetMinutes: number): string {
  const local = new Date(wallMs).toISOString().slice(0, 23);
  if (offsetMinutes === 0) return `${local}Z`;
  const abs = Math.abs(offsetMinutes);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${local}${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

describe('periodStart', () => {
  it('clamps a month-end start to each month without drifting (2025)', () => {
    expect(starts(terms('2025-01-31T09:00:00-05:00', 'MONTHLY'), 6)).toEqual([
      '2025-01-31T14:00:00.000Z',
      '2025-02-28T14:00:00.000Z',
      '2025-03-31T14:00:00.000Z',
      '2025-04-30T14:00:00.000Z',
      '2025-05-31T14:00:00.000Z',
      '2025-06-30T14:00:00.000Z',
    ]);
  });

  it('clamps Jan 31 to Feb 29 in a leap year', () => {
    expect(starts(terms('2024-01-31T09:00:00-05:00', 'MONTHLY'), 3)).toEqual([
      '2024-01-31T14:00:00.000Z',
      '2024-02-29T14:00:00.000Z',
      '2024-03-31T14:00:00.000Z',
    ]);
  });

  it('bills Feb 29 yearly on Feb 28 in common years and Feb 29 in leap years', () => {
    expect(starts(terms('2024-02-29T12:00:00Z', 'YEARLY'), 5)).toEqual([
      '2024-02-29T12:00:00.000Z',
      '2025-02-28T12:00:00.000Z',
      '2026-02-28T12:00:00.000Z',
      '2027-02-28T12:00:00.000Z',
      '2028-02-29T12:00:00.000Z',
    ]);
    // 2100 is not a leap year (divisible by 100, not by 400); 2400 is.
    expect(periodStart(terms('2024-02-29T12:00:00Z', 'YEARLY', 76), 1).toISOString()).toBe('2100-02-28T12:00:00.000Z');
    expect(periodStart(terms('2024-02-29T12:00:00Z', 'YEARLY', 4), 94).toISOString()).toBe('2400-02-29T12:00:00.000Z');
  });

  it('steps every 3 months from the start day', () => {
    expect(starts(terms('2025-01-31T09:00:00-05:00', 'MONTHLY', 3), 5)).toEqual([
      '2025-01-31T14:00:00.000Z',
      '2025-04-30T14:00:00.000Z',
      '2025-07-31T14:00:00.000Z',
      '2025-10-31T14:00:00.000Z',
      '2026-01-31T14:00:00.000Z',
    ]);
    expect(starts(terms('2024-11-30T00:00:00Z', 'MONTHLY', 3), 4)).toEqual([
      '2024-11-30T00:00:00.000Z',
      '2025-02-28T00:00:00.000Z',
      '2025-05-30T00:00:00.000Z',
      '2025-08-30T00:00:00.000Z',
    ]);
  });

  it('adds 7 × interval local days for WEEKLY, keeping the local time across DST and year ends', () => {
    const ny = { timeZone: 'America/New_York' };
    expect(starts(terms('2025-03-03T09:00:00-05:00', 'WEEKLY', 1, ny), 3)).toEqual([
      '2025-03-03T14:00:00.000Z',
      '2025-03-10T13:00:00.000Z',
      '2025-03-17T13:00:00.000Z',
    ]);
    expect(starts(terms('2025-10-27T09:00:00-04:00', 'WEEKLY', 2, ny), 2)).toEqual([
      '2025-10-27T13:00:00.000Z',
      '2025-11-10T14:00:00.000Z',
    ]);
    expect(starts(terms('2025-12-29T10:00:00Z', 'WEEKLY'), 2)).toEqual([
      '2025-12-29T10:00:00.000Z',
      '2026-01-05T10:00:00.000Z',
    ]);
  });

  describe('America/New_York across the 2025 DST changes', () => {
    const ny = { timeZone: 'America/New_York' };

    it('keeps a daily 09:00 at 09:00 local when the clocks spring forward (2025-03-09)', () => {
      expect(starts(terms('2025-03-08T09:00:00-05:00', 'DAILY', 1, ny), 3)).toEqual([
        '2025-03-08T14:00:00.000Z',
        '2025-03-09T13:00:00.000Z', // a 23-hour day
        '2025-03-10T13:00:00.000Z',
      ]);
    });

    it('keeps a daily 09:00 at 09:00 local when the clocks fall back (2025-11-02)', () => {
      expect(starts(terms('2025-11-01T09:00:00-04:00', 'DAILY', 1, ny), 3)).toEqual([
        '2025-11-01T13:00:00.000Z',
        '2025-11-02T14:00:00.000Z', // a 25-hour day
        '2025-11-03T14:00:00.000Z',
      ]);
    });

    it('moves a skipped 02:30 forward by the gap, to 03:30 EDT, and only on that day', () => {
      expect(starts(terms('2025-03-07T02:30:00-05:00', 'DAILY', 1, ny), 4)).toEqual([
        '2025-03-07T07:30:00.000Z',
        '2025-03-08T07:30:00.000Z',
        '2025-03-09T07:30:00.000Z', // 03:30 EDT
        '2025-03-10T06:30:00.000Z', // 02:30 EDT
      ]);
    });

    it('takes the earlier of a repeated 01:30 (EDT, not EST)', () => {
      expect(starts(terms('2025-10-31T01:30:00-04:00', 'DAILY', 1, ny), 4)).toEqual([
        '2025-10-31T05:30:00.000Z',
        '2025-11-01T05:30:00.000Z',
        '2025-11-02T05:30:00.000Z', // 01:30 EDT
        '2025-11-03T06:30:00.000Z', // 01:30 EST
      ]);
    });

    it('starts period 0 exactly at startDate, even in the later occurrence of a repeated hour', () => {
      expect(starts(terms('2025-11-02T01:30:00-05:00', 'DAILY', 1, ny), 2)).toEqual([
        '2025-11-02T06:30:00.000Z',
        '2025-11-03T06:30:00.000Z',
      ]);
    });

    it('reads the start in the zone, whatever offset startDate is written with', () => {
      expect(starts(terms('2025-01-31T14:00:00Z', 'MONTHLY', 1, ny), 3)).toEqual([
        '2025-01-31T14:00:00.000Z',
        '2025-02-28T14:00:00.000Z',
        '2025-03-31T13:00:00.000Z', // 09:00 EDT
      ]);
    });
  });

  describe('Europe/Berlin', () => {
    const berlin = { timeZone: 'Europe/Berlin' };

    it('moves a skipped 02:15 to 03:15 CEST on 2025-03-30', () => {
      expect(starts(terms('2025-03-29T02:15:00+01:00', 'DAILY', 1, berlin), 3)).toEqual([
        '2025-03-29T01:15:00.000Z',
        '2025-03-30T01:15:00.000Z', // 03:15 CEST
        '2025-03-31T00:15:00.000Z', // 02:15 CEST
      ]);
    });

    it('takes the CEST occurrence of a repeated 02:30 on 2025-10-26', () => {
      expect(starts(terms('2025-10-25T02:30:00+02:00', 'DAILY', 1, berlin), 3)).toEqual([
        '2025-10-25T00:30:00.000Z',
        '2025-10-26T00:30:00.000Z', // 02:30 CEST
        '2025-10-27T01:30:00.000Z', // 02:30 CET
      ]);
    });

    it('keeps a monthly 10:00 local across the change', () => {
      expect(starts(terms('2025-01-31T10:00:00+01:00', 'MONTHLY', 1, berlin), 3)).toEqual([
        '2025-01-31T09:00:00.000Z',
        '2025-02-28T09:00:00.000Z',
        '2025-03-31T08:00:00.000Z',
      ]);
    });
  });

  describe('fixed offsets (no time zone)', () => {
    it('uses the written offset and ignores DST', () => {
      expect(starts(terms('2025-03-08T09:00:00-05:00', 'DAILY'), 3)).toEqual([
        '2025-03-08T14:00:00.000Z',
        '2025-03-09T14:00:00.000Z',
        '2025-03-10T14:00:00.000Z',
      ]);
    });

    it('does its calendar arithmetic on the local date, not the UTC date', () => {
      // 2025-02-01 01:00 at +05:30 is 2025-01-31 19:30 UTC: the local day of month is 1, not 31.
      expect(starts(terms('2025-02-01T01:00:00+05:30', 'MONTHLY'), 3)).toEqual([
        '2025-01-31T19:30:00.000Z',
        '2025-02-28T19:30:00.000Z',
        '2025-03-31T19:30:00.000Z',
      ]);
    });

    it('keeps milliseconds and truncates finer fractions', () => {
      expect(starts(terms('2025-01-31T09:00:00.123456-05:00', 'DAILY'), 2)).toEqual([
        '2025-01-31T14:00:00.123Z',
        '2025-02-01T14:00:00.123Z',
      ]);
    });

    it('accepts times without seconds', () => {
      expect(periodStart(terms('2025-01-31T09:00+01:00', 'DAILY'), 1).toISOString()).toBe('2025-02-01T08:00:00.000Z');
    });
  });

  describe('a whole skipped calendar day (Pacific/Apia jumped from 2011-12-29 to 2011-12-31)', () => {
    const apia = { timeZone: 'Pacific/Apia' };

    it('bills the skipped day at the first instant after the gap, still before the next period', () => {
      expect(starts(terms('2011-12-29T09:00:00-10:00', 'DAILY', 1, apia), 4)).toEqual([
        '2011-12-29T19:00:00.000Z',
        '2011-12-30T10:00:00.000Z', // 2011-12-31 00:00 local: shifting by the 24-hour gap would collide with the next
        '2011-12-30T19:00:00.000Z', // 2011-12-31 09:00 local
        '2011-12-31T19:00:00.000Z',
      ]);
    });

    it('keeps a midnight schedule strictly increasing', () => {
      expect(starts(terms('2011-12-29T00:00:00-10:00', 'DAILY', 1, apia), 4)).toEqual([
        '2011-12-29T10:00:00.000Z',
        '2011-12-30T09:59:59.999Z', // the next period is due at the first instant after the gap
        '2011-12-30T10:00:00.000Z',
        '2011-12-31T10:00:00.000Z',
      ]);
    });
  });

  it('rejects a negative or fractional index, and a period beyond what Date can hold', () => {
    const schedule = terms('2025-01-31T09:00:00Z', 'YEARLY', 366);
    expect(() => periodStart(schedule, -1)).toThrow(new RangeError('invalid_index'));
    expect(() => periodStart(schedule, 1.5)).toThrow(new RangeError('invalid_index'));
    expect(() => periodStart(schedule, 1000)).toThrow(new RangeError('period_out_of_range'));
  });
});

describe('endDate', () => {
  const ny = { timeZone: 'America/New_York' };
  const farFuture = new Date('2030-01-01T00:00:00Z');

  it('bills a period starting exactly at endDate, whatever offset endDate is written with', () => {
    const exact = terms('2025-01-01T09:00:00-05:00', 'MONTHLY', 1, { ...ny, endDate: '2025-04-01T09:00:00-04:00' });
    expect(duePeriods(exact, farFuture)).toEqual([0, 1, 2, 3]);
    expect(duePeriods({ ...exact, endDate: '2025-04-01T13:00:00Z' }, farFuture)).toEqual([0, 1, 2, 3]);
    expect(nextPeriodAfter(exact, new Date('2025-03-15T00:00:00Z'))).toEqual({
      index: 3,
      dueAt: new Date('2025-04-01T13:00:00Z'),
    });
  });

  it('does not bill a period starting 1 ms after endDate', () => {
    const before = terms('2025-01-01T09:00:00-05:00', 'MONTHLY', 1, { ...ny, endDate: '2025-04-01T12:59:59.999Z' });
    expect(duePeriods(before, farFuture)).toEqual([0, 1, 2]);
    expect(nextPeriodAfter(before, new Date('2025-03-15T00:00:00Z'))).toBeNull();
  });

  it('bills only period 0 when endDate equals startDate', () => {
    const once = terms('2025-01-01T09:00:00Z', 'DAILY', 1, { endDate: '2025-01-01T09:00:00Z' });
    expect(duePeriods(once, farFuture)).toEqual([0]);
    expect(nextPeriodAfter(once, new Date('2024-12-31T00:00:00Z'))).toEqual({
      index: 0,
      dueAt: new Date(once.startDate),
    });
    expect(nextPeriodAfter(once, new Date(once.startDate))).toBeNull();
  });
});

describe('duePeriods', () => {
  const monthly = terms('2025-01-31T09:00:00-05:00', 'MONTHLY', 1, { timeZone: 'America/New_York' });

  it('gives exactly 13 periods for a 12-month window closed at its end, 12 when open', () => {
    const yearLater = periodStart(monthly, 12);
    expect(yearLater.toISOString()).toBe('2026-01-31T14:00:00.000Z');
    const closed = duePeriods(monthly, yearLater);
    expect(closed).toEqual(range(13));
    expect(new Set(closed).size).toBe(13);
    const open = duePeriods(monthly, new Date(yearLater.getTime() - 1));
    expect(open).toEqual(range(12));
  });

  it('counts every day of March once across the spring-forward change', () => {
    const daily = terms('2025-03-01T09:00:00-05:00', 'DAILY', 1, { timeZone: 'America/New_York' });
    expect(duePeriods(daily, new Date('2025-03-31T13:00:00Z'))).toEqual(range(31)); // 09:00 EDT on Mar 31
    expect(duePeriods(daily, new Date('2025-03-31T12:59:59.999Z'))).toEqual(range(30));
  });

  it('starts at fromIndex and stops at limit', () => {
    const until = new Date('2026-12-31T00:00:00Z');
    expect(duePeriods(monthly, until, 5, 3)).toEqual([5, 6, 7]);
    expect(duePeriods(monthly, until, 5, 0)).toEqual([]);
    expect(duePeriods(monthly, until, 500)).toEqual([]);
    expect(duePeriods(monthly, new Date('2025-01-31T13:59:59.999Z'))).toEqual([]);
  });

  it('caps at 10 000 periods by default', () => {
    const daily = terms('2000-01-01T00:00:00Z', 'DAILY');
    const due = duePeriods(daily, new Date('2100-01-01T00:00:00Z'));
    expect(due).toHaveLength(10_000);
    expect(due[9_999]).toBe(9_999);
  });

  it('rejects an invalid until, fromIndex or limit', () => {
    expect(() => duePeriods(monthly, new Date(NaN))).toThrow(new RangeError('invalid_until'));
    expect(() => duePeriods(monthly, new Date(), -1)).toThrow(new RangeError('invalid_index'));
    expect(() => duePeriods(monthly, new Date(), 0, Infinity)).toThrow(new RangeError('invalid_limit'));
  });
});

describe('nextPeriodAfter', () => {
  const daily = terms('2025-01-01T09:00:00-05:00', 'DAILY', 1, { timeZone: 'America/New_York' });

  it('gives period 0 before the start, and the period after one that starts exactly at `after`', () => {
    expect(nextPeriodAfter(daily, new Date('2024-06-01T00:00:00Z'))).toEqual({
      index: 0,
      dueAt: new Date('2025-01-01T14:00:00Z'),
    });
    expect(nextPeriodAfter(daily, periodStart(daily, 2))).toEqual({ index: 3, dueAt: periodStart(daily, 3) });
    expect(nextPeriodAfter(daily, new Date(periodStart(daily, 2).getTime() - 1))).toEqual({
      index: 2,
      dueAt: periodStart(daily, 2),
    });
  });

  it('finds a period decades after the start', () => {
    // 50 years, 12 of them leap years (2028 … 2072); 07:00 EST is before the 09:00 period of that day.
    expect(nextPeriodAfter(daily, new Date('2075-01-01T12:00:00Z'))).toEqual({
      index: 50 * 365 + 12,
      dueAt: new Date('2075-01-01T14:00:00Z'),
    });
  });

  it('gives null after endDate and past the last instant Date can hold', () => {
    const ending = { ...daily, endDate: '2025-01-10T14:00:00Z' };
    expect(nextPeriodAfter(ending, new Date('2025-01-10T14:00:00Z'))).toBeNull();
    expect(nextPeriodAfter(ending, new Date('2025-01-09T14:00:00Z'))?.index).toBe(9);
    expect(nextPeriodAfter(daily, new Date(8.64e15))).toBeNull();
  });

  it('rejects an invalid after', () => {
    expect(() => nextPeriodAfter(daily, new Date(NaN))).toThrow(new RangeError('invalid_after'));
  });
});

describe('validateTerms', () => {
  const valid = terms('2025-01-31T09:00:00-05:00', 'MONTHLY', 1, { timeZone: 'America/New_York' });
  // Terms usually arrive as JSON, so the checks must hold for values the type does not allow.
  const loose = (changes: Record<string, unknown>): ScheduleTerms => ({ ...valid, ...changes }) as ScheduleTerms;

  it('accepts valid terms, with or without a time zone or an end', () => {
    expect(validateTerms(valid)).toBeNull();
    expect(validateTerms(terms('2025-01-31T09:00:00Z', 'DAILY', 366))).toBeNull();
    expect(validateTerms({ ...valid, endDate: '2026-01-31T09:00:00-05:00' })).toBeNull();
    expect(validateTerms({ ...valid, endDate: valid.startDate })).toBeNull();
    expect(validateTerms({ ...valid, timeZone: 'america/new_york' })).toBeNull();
    expect(validateTerms({ ...valid, timeZone: 'UTC' })).toBeNull();
  });

  it.each([
    ['not a date', 'invalid_start_date'],
    ['2025-01-31T09:00:00', 'invalid_start_date'], // no offset: not an instant
    ['2025-01-31', 'invalid_start_date'],
    ['2025-02-29T09:00:00Z', 'invalid_start_date'], // not a leap year
    ['2025-13-01T09:00:00Z', 'invalid_start_date'],
    ['2025-01-31T24:00:00Z', 'invalid_start_date'],
    ['2025-01-31T09:00:00+24:00', 'invalid_start_date'],
    [20250131, 'invalid_start_date'],
    [undefined, 'invalid_start_date'],
  ])('start %p → %s', (startDate, code) => {
    expect(validateTerms(loose({ startDate }))).toBe(code);
  });

  it.each([
    ['2025-00-10T09:00:00Z', 'month 00'],
    ['2025-13-10T09:00:00Z', 'month 13'],
    ['2025-01-00T09:00:00Z', 'day 00'],
    ['2025-01-32T09:00:00Z', 'day 32'],
    ['2025-04-31T09:00:00Z', 'April 31'],
    ['2100-02-29T09:00:00Z', 'February 29 of a century that is no leap year'],
    ['2025-01-10T24:00:00Z', 'hour 24'],
    ['2025-01-10T09:60:00Z', 'minute 60'],
    ['2025-01-10T09:99:00Z', 'minute 99'],
    ['2025-01-10T09:00:60Z', 'second 60'],
    ['2025-01-10T09:00:00+05:75', 'offset minutes 75'],
    ['2025-01-10T09:00:00+05:60', 'offset minutes 60'],
    ['2025-01-10T09:00:00-24:00', 'offset hours 24'],
    ['2025-01-10T09:00:00+0500', 'offset without a colon'],
    ['2025-01-10T09:00:00.Z', 'a point without a fraction'],
    ['2025-01-10t09:00:00Z', 'a lower-case t'],
    ['2025-01-10T09:00:00z', 'a lower-case z'],
    [' 2025-01-10T09:00:00Z', 'a leading space'],
    ['2025-01-10T09:00:00Z ', 'a trailing space'],
  ])('refuses the start %p (%s) with invalid_start_date, and the same as an end with invalid_end_date', (date) => {
    expect(validateTerms(loose({ startDate: date }))).toBe('invalid_start_date');
    expect(validateTerms(loose({ endDate: date }))).toBe('invalid_end_date');
  });

  it.each([
    ['2025-12-31T23:59:59Z', '2025-12-31T23:59:59.000Z'], // every field at its largest
    ['2025-01-01T00:00:00Z', '2025-01-01T00:00:00.000Z'], // and at its smallest
    ['2024-02-29T09:00:00Z', '2024-02-29T09:00:00.000Z'], // a leap day
    ['2000-02-29T09:00:00Z', '2000-02-29T09:00:00.000Z'], // a leap day of a century divisible by 400
    ['2025-06-30T09:00Z', '2025-06-30T09:00:00.000Z'], // seconds are optional
    ['2025-01-10T09:00:00.5Z', '2025-01-10T09:00:00.500Z'], // a fraction is read as a fraction of a second
    ['2025-01-10T09:00:00.05Z', '2025-01-10T09:00:00.050Z'],
    ['2025-01-10T09:00:00.123999Z', '2025-01-10T09:00:00.123Z'], // truncated to milliseconds
    ['2025-01-10T09:00:00+23:59', '2025-01-09T09:01:00.000Z'], // the largest offsets, east and west
    ['2025-01-10T09:00:00-23:59', '2025-01-11T08:59:00.000Z'],
    ['2025-01-10T09:00:00+05:30', '2025-01-10T03:30:00.000Z'],
    ['2025-01-10T09:00:00-00:30', '2025-01-10T09:30:00.000Z'],
    ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00.000Z'], // years 0-99 are not read as 1900-1999
    ['0099-12-31T12:00:00Z', '0099-12-31T12:00:00.000Z'],
  ])('reads the start %p as the instant %s', (startDate, instant) => {
    const schedule = terms(startDate, 'DAILY');
    expect(validateTerms(schedule)).toBeNull();
    expect(periodStart(schedule, 0).toISOString()).toBe(new Date(instant).toISOString());
  });

  it.each([
    ['tomorrow', 'invalid_end_date'],
    ['2025-02-30T00:00:00Z', 'invalid_end_date'],
    [0, 'invalid_end_date'],
    ['2025-01-31T13:59:59.999Z', 'end_before_start'],
  ])('end %p → %s', (endDate, code) => {
    expect(validateTerms(loose({ endDate }))).toBe(code);
  });

  it.each([
    [{ type: 'HOURLY', interval: 1 }, 'invalid_frequency'],
    [{ type: 'monthly', interval: 1 }, 'invalid_frequency'],
    [{ interval: 1 }, 'invalid_frequency'],
    [null, 'invalid_frequency'],
    [{ type: 'MONTHLY', interval: 0 }, 'invalid_interval'],
    [{ type: 'MONTHLY', interval: 367 }, 'invalid_interval'],
    [{ type: 'MONTHLY', interval: 1.5 }, 'invalid_interval'],
    [{ type: 'MONTHLY', interval: NaN }, 'invalid_interval'],
    [{ type: 'MONTHLY', interval: '1' }, 'invalid_interval'],
    [{ type: 'MONTHLY' }, 'invalid_interval'],
  ])('frequency %p → %s', (frequency, code) => {
    expect(validateTerms(loose({ frequency }))).toBe(code);
  });

  it.each([['Mars/Olympus_Mons'], [''], ['America/New York'], [42]])('time zone %p → invalid_time_zone', (timeZone) => {
    expect(validateTerms(loose({ timeZone }))).toBe('invalid_time_zone');
  });

  it('reports the first failing check: start, end, end before start, frequency, interval, time zone', () => {
    const allBad = { startDate: 'x', endDate: 'y', frequency: { type: 'X', interval: 0 }, timeZone: 'Nowhere' };
    expect(validateTerms(loose(allBad))).toBe('invalid_start_date');
    expect(validateTerms(loose({ ...allBad, startDate: valid.startDate }))).toBe('invalid_end_date');
    expect(validateTerms(loose({ ...allBad, startDate: valid.startDate, endDate: '2000-01-01T00:00:00Z' }))).toBe(
      'end_before_start',
    );
    expect(validateTerms(loose({ ...allBad, startDate: valid.startDate, endDate: null }))).toBe('invalid_frequency');
    expect(
      validateTerms(loose({ ...allBad, startDate: valid.startDate, endDate: null, frequency: { type: 'DAILY' } })),
    ).toBe('invalid_interval');
    expect(
      validateTerms(loose({ ...allBad, startDate: valid.startDate, endDate: null, frequency: valid.frequency })),
    ).toBe('invalid_time_zone');
  });

  it('makes the other functions throw the same code', () => {
    const bad = loose({ frequency: { type: 'MONTHLY', interval: 0 } });
    expect(() => periodStart(bad, 0)).toThrow(new RangeError('invalid_interval'));
    expect(() => duePeriods(bad, new Date())).toThrow(new RangeError('invalid_interval'));
    expect(() => nextPeriodAfter(bad, new Date())).toThrow(new RangeError('invalid_interval'));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Europe/London',
  'Australia/Sydney',
  'Australia/Lord_Howe', // 30-minute DST
  'America/St_Johns', // -03:30
  'Asia/Kolkata', // +05:30, no DST
  'America/Santiago', // changes at midnight
  'Asia/Tehran',
  'Pacific/Chatham', // +12:45 / +13:45
  'UTC',
];

interface Scenario {
  terms: ScheduleTerms;
  /** How to read a local wall clock: the zone, or the fixed offset written in startDate. */
  zone: string | undefined;
  offsetMinutes: number;
}

function localWall(scenario: Scenario, instantMs: number): number {
  return scenario.zone === undefined
    ? instantMs + scenario.offsetMinutes * 60_000
    : wallClock(scenario.zone, instantMs);
}

function scenarioAt(wallMs: number, frequency: ScheduleTerms['frequency'], zone: string | undefined, fixed: number) {
  // In a zone, write startDate with the offset that (nearly always) makes it show `wallMs` there.
  const offsetMinutes = zone === undefined ? fixed : zoneOffset(zone, wallMs - zoneOffset(zone, wallMs)) / 60_000;
  const scenario: Scenario = {
    terms: { startDate: isoWithOffset(wallMs, offsetMinutes), endDate: null, frequency },
    zone,
    offsetMinutes,
  };
  if (zone !== undefined) scenario.terms.timeZone = zone;
  return scenario;
}

const arbFrequency = fc.record({
  type: fc.constantFrom<FrequencyType>('DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'),
  interval: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 366 })),
});

const arbWall = fc
  .record({
    year: fc.integer({ min: 1990, max: 2040 }),
    month: fc.integer({ min: 0, max: 11 }),
    day: fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(28, 29, 30, 31)),
    hour: fc.oneof(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 1, 2, 3)), // DST changes happen at night
    minute: fc.oneof(fc.constantFrom(0, 30, 45), fc.integer({ min: 0, max: 59 })),
    second: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 59 })),
    ms: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 })),
  })
  .map(({ year, month, day, hour, minute, second, ms }) =>
    Date.UTC(year, month, Math.min(day, daysIn(year, month)), hour, minute, second, ms),
  );

const arbFixedOffset = fc.oneof(
  fc.constantFrom(0, -300, 330, 345, 840, -720, -570),
  fc.integer({ min: -1439, max: 1439 }),
);

const arbScenario = fc
  .tuple(arbWall, arbFrequency, fc.option(fc.constantFrom(...ZONES), { nil: undefined }), arbFixedOffset)
  .map(([wall, frequency, zone, fixed]) => scenarioAt(wall, frequency, zone, fixed));

// Daily schedules starting a few days before a DST change, at night, so that gaps and repeats are hit often.
const DST_CHANGES: [string, string][] = [
  ['America/New_York', '2025-03-09'],
  ['America/New_York', '2025-11-02'],
  ['Europe/Berlin', '2025-03-30'],
  ['Europe/Berlin', '2025-10-26'],
  ['Australia/Lord_Howe', '2025-10-05'],
  ['Australia/Lord_Howe', '2025-04-06'],
  ['Pacific/Chatham', '2025-09-28'],
  ['America/Santiago', '2025-09-07'],
  ['America/Santiago', '2025-04-06'],
  ['America/St_Johns', '2025-03-09'],
  ['Australia/Sydney', '2025-10-05'],
];
const arbNearDstChange = fc
  .record({
    change: fc.constantFrom(...DST_CHANGES),
    daysBefore: fc.integer({ min: 0, max: 3 }),
    hour: fc.constantFrom(0, 1, 2, 3, 23),
    minute: fc.integer({ min: 0, max: 59 }),
  })
  .map(({ change: [zone, date], daysBefore, hour, minute }) =>
    scenarioAt(
      Date.parse(`${date}T00:00:00Z`) - daysBefore * DAY + hour * HOUR + minute * 60_000,
      {
        type: 'DAILY',
        interval: 1,
      },
      zone,
      0,
    ),
  );

const arbAnyScenario = fc.oneof(arbScenario, arbNearDstChange);

/** An instant near period `index`: exactly at it, a millisecond either side, or up to 3 days either side. */
const arbNearPeriod = fc.record({
  index: fc.integer({ min: 0, max: 30 }),
  jitter: fc.oneof(fc.constantFrom(-1, 0, 1), fc.integer({ min: -3 * DAY, max: 3 * DAY })),
});
function nearPeriod(schedule: ScheduleTerms, { index, jitter }: { index: number; jitter: number }): number {
  return periodStart(schedule, index).getTime() + jitter;
}

/** The wall time period `index` should show: the start's time of day on the start's date moved by the rules. */
function expectedWall(startWall: number, frequency: ScheduleTerms['frequency'], index: number): number {
  const start = new Date(startWall);
  const [year, month, day] = [start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()];
  const timeOfDay = startWall - Date.UTC(year, month, day);
  const steps = frequency.interval * index;
  const onDate = (y: number, m: number, d: number): number => Date.UTC(y, m, d) + timeOfDay;
  switch (frequency.type) {
    case 'DAILY':
      return onDate(year, month, day + steps);
    case 'WEEKLY':
      return onDate(year, month, day + 7 * steps);
    case 'MONTHLY': {
      const y = year + Math.floor((month + steps) / 12);
      const m = (month + steps) % 12;
      return onDate(y, m, Math.min(day, daysIn(y, m)));
    }
    case 'YEARLY':
      return onDate(year + steps, month, Math.min(day, daysIn(year + steps, month)));
  }
}

describe('properties', () => {
  it('periods strictly increase, and period 0 is startDate', () => {
    fc.assert(
      fc.property(arbAnyScenario, fc.integer({ min: 1, max: 40 }), ({ terms: schedule }, count) => {
        expect(periodStart(schedule, 0).getTime()).toBe(Date.parse(schedule.startDate));
        let previous = periodStart(schedule, 0).getTime();
        for (let index = 1; index <= count; index++) {
          const current = periodStart(schedule, index).getTime();
          expect(current).toBeGreaterThan(previous);
          previous = current;
        }
      }),
      RUNS,
    );
  });

  it('no period is skipped or duplicated: consecutive windows concatenate to one big window', () => {
    fc.assert(
      fc.property(
        arbAnyScenario,
        fc.array(arbNearPeriod, { minLength: 1, maxLength: 6 }),
        ({ terms: schedule }, near) => {
          const cuts = near.map((n) => nearPeriod(schedule, n)).sort((a, b) => a - b);
          const pieces: number[] = [];
          let from = 0;
          for (const cut of cuts) {
            const window = duePeriods(schedule, new Date(cut), from);
            pieces.push(...window);
            from = pieces.length === 0 ? 0 : pieces[pieces.length - 1] + 1;
            expect(periodStart(schedule, from).getTime()).toBeGreaterThan(cut); // nothing left behind
          }
          const whole = duePeriods(schedule, new Date(cuts[cuts.length - 1]));
          expect(pieces).toEqual(whole);
          expect(whole).toEqual(range(whole.length));
        },
      ),
      RUNS,
    );
  });

  it('MONTHLY period i falls on local day min(startDay, daysInMonth), i × interval months on', () => {
    const arbMonthly = fc
      .tuple(arbWall, fc.integer({ min: 1, max: 24 }), fc.option(fc.constantFrom(...ZONES), { nil: undefined }))
      .map(([wall, interval, zone]) => scenarioAt(wall, { type: 'MONTHLY', interval }, zone, 0));
    fc.assert(
      fc.property(arbMonthly, fc.integer({ min: 1, max: 40 }), (scenario, count) => {
        const start = new Date(localWall(scenario, Date.parse(scenario.terms.startDate)));
        for (let index = 0; index <= count; index++) {
          const local = new Date(localWall(scenario, periodStart(scenario.terms, index).getTime()));
          const months = start.getUTCMonth() + index * scenario.terms.frequency.interval;
          const year = start.getUTCFullYear() + Math.floor(months / 12);
          const month = months % 12;
          expect([local.getUTCFullYear(), local.getUTCMonth()]).toEqual([year, month]);
          expect(local.getUTCDate()).toBe(Math.min(start.getUTCDate(), daysIn(year, month)));
        }
      }),
      RUNS,
    );
  });

  it("every period shows the start's local wall-clock time, shifted forward only across a DST gap", () => {
    fc.assert(
      fc.property(arbAnyScenario, fc.integer({ min: 1, max: 40 }), (scenario, count) => {
        const { terms: schedule, zone } = scenario;
        const startWall = localWall(scenario, Date.parse(schedule.startDate));
        for (let index = 0; index <= count; index++) {
          const at = periodStart(schedule, index).getTime();
          const wall = localWall(scenario, at);
          const wanted = expectedWall(startWall, schedule.frequency, index);
          if (zone === undefined) {
            expect(wall).toBe(wanted);
            continue;
          }
          const offsetBefore = zoneOffset(zone, at - DAY);
          const offsetAfter = zoneOffset(zone, at + DAY);
          if (wall !== wanted) {
            // The wanted time was skipped: the clock jumped by (after - before) and the period moved by as much.
            expect(offsetAfter - offsetBefore).toBeGreaterThan(0);
            expect(wall - wanted).toBe(offsetAfter - offsetBefore);
          } else if (offsetBefore > offsetAfter && index > 0) {
            // The clock fell back nearby: the instant one repeat earlier must not show the same time.
            expect(localWall(scenario, at - (offsetBefore - offsetAfter))).not.toBe(wall);
          }
        }
      }),
      RUNS,
    );
  });

  it('duePeriods never returns a period after endDate or until, and stops only there', () => {
    fc.assert(
      fc.property(arbAnyScenario, arbNearPeriod, arbNearPeriod, (scenario, nearEnd, nearUntil) => {
        const startMs = Date.parse(scenario.terms.startDate);
        const endMs = Math.max(startMs, nearPeriod(scenario.terms, nearEnd));
        fc.pre(new Date(endMs).getUTCFullYear() <= 9999);
        const schedule = { ...scenario.terms, endDate: new Date(endMs).toISOString() };
        const untilMs = nearPeriod(schedule, nearUntil);
        const due = duePeriods(schedule, new Date(untilMs));
        expect(due).toEqual(range(due.length));
        for (const index of due) {
          expect(periodStart(schedule, index).getTime()).toBeLessThanOrEqual(Math.min(endMs, untilMs));
        }
        expect(periodStart(schedule, due.length).getTime()).toBeGreaterThan(Math.min(endMs, untilMs));
        const next = nextPeriodAfter(schedule, new Date(untilMs));
        if (next !== null) expect(next.dueAt.getTime()).toBeLessThanOrEqual(endMs);
      }),
      RUNS,
    );
  });

  it('nextPeriodAfter is the first period duePeriods has not yet returned', () => {
    fc.assert(
      fc.property(arbAnyScenario, arbNearPeriod, ({ terms: schedule }, near) => {
        const afterMs = nearPeriod(schedule, near);
        const next = nextPeriodAfter(schedule, new Date(afterMs));
        expect(next).not.toBeNull();
        expect(next?.index).toBe(duePeriods(schedule, new Date(afterMs)).length);
        expect(next?.dueAt).toEqual(periodStart(schedule, next?.index ?? -1));
        expect(next?.dueAt.getTime()).toBeGreaterThan(afterMs);
      }),
      RUNS,
    );
  });

  it('with a fixed offset, DAILY and WEEKLY periods are exact multiples of 24 hours apart', () => {
    const arbFixed = fc
      .tuple(
        arbWall,
        arbFixedOffset,
        fc.constantFrom<FrequencyType>('DAILY', 'WEEKLY'),
        fc.integer({ min: 1, max: 366 }),
      )
      .map(([wall, offset, type, interval]) => scenarioAt(wall, { type, interval }, undefined, offset));
    fc.assert(
      fc.property(arbFixed, fc.integer({ min: 0, max: 100 }), ({ terms: schedule }, index) => {
        const days = schedule.frequency.interval * index * (schedule.frequency.type === 'WEEKLY' ? 7 : 1);
        expect(periodStart(schedule, index).getTime() - Date.parse(schedule.startDate)).toBe(days * DAY);
      }),
      RUNS,
    );
  });
});
