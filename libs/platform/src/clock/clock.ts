/** Time comes from an injected clock so expiries and schedules are testable without sleeping. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('Clock');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and the sandbox's test clocks. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date = new Date('2026-01-01T00:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advanceBy(milliseconds: number): Date {
    if (milliseconds < 0) throw new RangeError('a clock never moves backwards');
    this.current += milliseconds;
    return this.now();
  }

  set(instant: Date): void {
    if (instant.getTime() < this.current) throw new RangeError('a clock never moves backwards');
    this.current = instant.getTime();
  }
}
