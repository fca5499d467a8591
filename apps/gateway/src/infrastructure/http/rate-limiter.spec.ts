import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  it('lets a burst through at once, then refuses until a token has come back', () => {
    const limiter = new RateLimiter({ ratePerSecond: 2, burst: 3 });
    expect([1, 2, 3].map(() => limiter.take('k', 0))).toEqual([
      { allowed: true, remaining: 2 },
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
    ]);
    expect(limiter.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('k', 499)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(limiter.take('k', 500)).toEqual({ allowed: true, remaining: 0 });
    expect(limiter.take('k', 500).allowed).toBe(false);
  });

  it('keeps up the sustained rate and no more', () => {
    const limiter = new RateLimiter({ ratePerSecond: 10, burst: 1 });
    let allowed = 0;
    for (let ms = 0; ms < 10_000; ms += 10) if (limiter.take('k', ms).allowed) allowed++;
    expect(allowed).toBe(100);
  });

  it('refills lazily up to the burst, never beyond, however long the key was quiet', () => {
    const limiter = new RateLimiter({ ratePerSecond: 5, burst: 4 });
    for (let i = 0; i < 4; i++) limiter.take('k', 0);
    expect(limiter.take('k', 0).allowed).toBe(false);
    const hourLater = 3_600_000;
    const decisions = Array.from({ length: 5 }, () => limiter.take('k', hourLater));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, false]);
  });

  it('says in whole seconds (at least 1) when the next request would pass', () => {
    const slow = new RateLimiter({ ratePerSecond: 1, burst: 1 });
    slow.take('k', 0);
    expect(slow.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(slow.take('k', 200)).toEqual({ allowed: false, retryAfterSeconds: 1 });

    const fast = new RateLimiter({ ratePerSecond: 1000, burst: 1 });
    fast.take('k', 0);
    expect(fast.take('k', 0)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('keeps each key to its own bucket', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1 });
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('a', 0).allowed).toBe(false);
    expect(limiter.take('b', 0).allowed).toBe(true);
  });

  it('ignores a clock that goes back rather than refilling or draining', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1 });
    limiter.take('k', 10_000);
    expect(limiter.take('k', 0).allowed).toBe(false);
    expect(limiter.take('k', 10_999).allowed).toBe(false);
    expect(limiter.take('k', 11_000).allowed).toBe(true);
  });

  it('keeps at most maxKeys buckets, dropping the oldest (which comes back full)', () => {
    const limiter = new RateLimiter({ ratePerSecond: 1, burst: 1 }, 3);
    for (const key of ['a', 'b', 'c']) limiter.take(key, 0);
    expect(limiter.take('a', 0).allowed).toBe(false);
    limiter.take('d', 0);
    expect(limiter.size).toBe(3);
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.size).toBe(3);
    expect(limiter.take('c', 0).allowed).toBe(false);
  });

  it('refuses a limit that could never let anything through', () => {
    expect(() => new RateLimiter({ ratePerSecond: 0, burst: 10 })).toThrow('positive rate');
    expect(() => new RateLimiter({ ratePerSecond: 10, burst: 0 })).toThrow('burst of at least 1');
  });
});
