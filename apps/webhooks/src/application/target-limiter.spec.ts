import { TargetLimiter } from './target-limiter';

describe('TargetLimiter', () => {
  it('gives each target its slots, then a line as long, then refuses; other targets are not affected', async () => {
    const limiter = new TargetLimiter(2);
    expect(await limiter.acquire('a', 0)).toBe(true);
    expect(await limiter.acquire('a', 0)).toBe(true);
    expect(await limiter.acquire('a', 0)).toBe(false); // no wait asked: refused at once
    const first = limiter.acquire('a', 1_000);
    const second = limiter.acquire('a', 1_000);
    expect(await limiter.acquire('a', 1_000)).toBe(false); // the line is full
    expect(await limiter.acquire('b', 0)).toBe(true);
    limiter.release('a');
    limiter.release('a');
    await expect(Promise.all([first, second])).resolves.toEqual([true, true]);
    // Both handed-over slots are still held: a third is refused until one ends.
    expect(await limiter.acquire('a', 0)).toBe(false);
    limiter.release('a');
    expect(await limiter.acquire('a', 0)).toBe(true);
  });

  it('gives up a wait that runs out, and leaves the line', async () => {
    const limiter = new TargetLimiter(1);
    expect(await limiter.acquire('a', 0)).toBe(true);
    expect(await limiter.acquire('a', 20)).toBe(false);
    limiter.release('a');
    expect(await limiter.acquire('a', 0)).toBe(true);
  });
});
