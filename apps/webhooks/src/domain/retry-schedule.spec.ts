import fc from 'fast-check';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  MAX_RETRY_AFTER_MS,
  nextAttemptDelayMs,
  parseRetrySchedule,
  RETRY_JITTER,
  retryAfterMs,
} from './retry-schedule';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** 75 h 35 min 5 s: the schedule's delays added up, before jitter. */
const UNJITTERED_TOTAL = 75 * HOUR + 35 * 60_000 + 5_000;
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const band = (delay: number) => [Math.floor(delay * (1 - RETRY_JITTER)), Math.ceil(delay * (1 + RETRY_JITTER))];

describe('nextAttemptDelayMs', () => {
  it('keeps every delay within ±10% of its schedule entry', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DEFAULT_RETRY_SCHEDULE_MS.length - 1 }), random, (attemptsMade, r) => {
        const delay = nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, attemptsMade, () => r);
        const [low, high] = band(DEFAULT_RETRY_SCHEDULE_MS[attemptsMade]);
        expect(delay).not.toBeNull();
        expect(delay).toBeGreaterThanOrEqual(Math.max(0, low));
        expect(delay).toBeLessThanOrEqual(high);
      }),
    );
  });

  it('keeps the same bounds for any schedule the config can give, never negative, 0 staying 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 30 * 24 * HOUR }), { minLength: 1, maxLength: 20 }),
        random,
        (entries, r) => {
          const schedule = [...entries].sort((a, b) => a - b);
          schedule.forEach((entry, attemptsMade) => {
            const delay = nextAttemptDelayMs(schedule, attemptsMade, () => r) as number;
            expect(delay).toBeGreaterThanOrEqual(0);
            if (entry === 0) expect(delay).toBe(0);
            expect(delay).toBeGreaterThanOrEqual(band(entry)[0]);
            expect(delay).toBeLessThanOrEqual(band(entry)[1]);
          });
          expect(nextAttemptDelayMs(schedule, schedule.length, () => r)).toBeNull();
        },
      ),
    );
  });

  it('has bands that never move earlier from one attempt to the next', () => {
    for (let i = 1; i < DEFAULT_RETRY_SCHEDULE_MS.length; i++) {
      const [previousLow, previousHigh] = band(DEFAULT_RETRY_SCHEDULE_MS[i - 1]);
      const [low, high] = band(DEFAULT_RETRY_SCHEDULE_MS[i]);
      expect(low).toBeGreaterThanOrEqual(previousLow);
      expect(high).toBeGreaterThanOrEqual(previousHigh);
    }
  });

  it('adds up to about three days, jitter or not, and gives up after the last entry', () => {
    fc.assert(
      fc.property(fc.array(random, { minLength: 10, maxLength: 10 }), (draws) => {
        let total = 0;
        let attemptsMade = 0;
        for (;;) {
          const delay = nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, attemptsMade, () => draws[attemptsMade]);
          if (delay === null) break;
          total += delay;
          attemptsMade += 1;
        }
        expect(attemptsMade).toBe(10);
        expect(total).toBeGreaterThanOrEqual((1 - RETRY_JITTER) * UNJITTERED_TOTAL - attemptsMade);
        expect(total).toBeLessThanOrEqual((1 + RETRY_JITTER) * UNJITTERED_TOTAL + attemptsMade);
        expect(total).toBeGreaterThan(2.8 * DAY);
        expect(total).toBeLessThan(3.5 * DAY);
      }),
    );
    expect(DEFAULT_RETRY_SCHEDULE_MS.reduce((sum, delay) => sum + delay, 0)).toBe(UNJITTERED_TOTAL);
  });

  it('is null for every attempt count past the schedule (and for nonsense counts)', () => {
    fc.assert(
      fc.property(fc.integer({ min: DEFAULT_RETRY_SCHEDULE_MS.length, max: 10_000 }), (attemptsMade) => {
        expect(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, attemptsMade, Math.random)).toBeNull();
      }),
    );
    expect(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, -1, Math.random)).toBeNull();
    expect(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, 1.5, Math.random)).toBeNull();
  });

  it('spreads the delays with the random draw (the extremes of the band)', () => {
    expect(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, 1, () => 0)).toBe(4_500);
    expect(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, 1, () => 0.5)).toBe(5_000);
    expect(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS, 1, () => 0.999999)).toBe(5_500);
  });
});

describe('parseRetrySchedule', () => {
  it('reads durations with their units', () => {
    expect(parseRetrySchedule('0,5s,5m,30m,2h')).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000]);
    expect(parseRetrySchedule(' 0 , 500ms, 1d ')).toEqual([0, 500, 86_400_000]);
  });

  it('reads the default schedule back from its config spelling', () => {
    expect(parseRetrySchedule('0,5s,5m,30m,2h,5h,10h,14h,20h,24h')).toEqual(DEFAULT_RETRY_SCHEDULE_MS);
  });

  it.each([[''], ['5'], ['5x'], ['-5s'], ['0,,5s'], ['1.5h'], ['5m,5s']])('refuses %j', (text) => {
    expect(() => parseRetrySchedule(text)).toThrow();
  });
});

describe('retryAfterMs', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');

  it('reads delta-seconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP-date, a past one being 0', () => {
    expect(retryAfterMs('Sun, 01 Mar 2026 12:05:00 GMT', now)).toBe(300_000);
    expect(retryAfterMs('Sunday, 01-Mar-26 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 28 Feb 2026 12:00:00 GMT', now)).toBe(0);
  });

  it('caps what it asks for at 24 hours', () => {
    expect(retryAfterMs('999999999', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBe(MAX_RETRY_AFTER_MS);
  });

  it.each([[undefined], [''], ['soon'], ['-5'], ['1.5'], ['2026-03-01'], ['Sun, 99 Foo 2026 12:05:00 GMT']])(
    'is null for %j',
    (value) => {
      expect(retryAfterMs(value, now)).toBeNull();
    },
  );
});
