/** A sustained rate and the burst allowed on top of it (the bucket's size). */
export interface RateLimit {
  /** Requests per second a key may keep up. */
  readonly ratePerSecond: number;
  /** Requests a key may send at once after a quiet spell. */
  readonly burst: number;
}

export type RateDecision =
  | { readonly allowed: true; readonly remaining: number }
  /** `retryAfterSeconds` (whole, at least 1): when the next request would pass, sent as Retry-After. */
  | { readonly allowed: false; readonly retryAfterSeconds: number };

/**
 * Token buckets by key (an API key's digest, a client address): a key may send `burst` requests at once and then
 * `ratePerSecond` for as long as it likes. Kept as the generic cell rate algorithm, the same bucket written as one
 * number per key: the instant the key's bucket would be full again (`fullAt`). A request at `now` passes when that
 * is at most `burst - 1` request intervals ahead, and moves it one interval further. Nothing runs between requests,
 * a request costs one Map lookup and a little arithmetic, and no fractions of a token are summed request after
 * request (ten tenths of a token add up to less than 1 in floating point: at exactly 10 requests a second, such a
 * bucket let 91 of 100 through).
 *
 * The caller passes the time: in the gateway the process's monotonic clock (`performance.now()`), not the injected
 * business Clock, which tests hold still or move by days and which a wall-clock step would move too.
 *
 * Buckets are kept for at most `maxKeys` keys; past that the oldest one goes. A key evicted comes back with a full
 * bucket, so a client can only win extra requests that way by having `maxKeys` other keys or addresses used between
 * two of its own requests.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { fullAt: number }>();
  /** Milliseconds between two requests at the sustained rate. */
  private readonly interval: number;
  /** How far ahead of now `fullAt` may be for a request to pass: the burst, less the request itself. */
  private readonly tolerance: number;

  constructor(
    readonly limit: RateLimit,
    private readonly maxKeys = 100_000,
  ) {
    if (!(limit.ratePerSecond > 0) || !(limit.burst >= 1)) {
      throw new Error(`A rate limit needs a positive rate and a burst of at least 1, got ${JSON.stringify(limit)}`);
    }
    this.interval = 1000 / limit.ratePerSecond;
    this.tolerance = (limit.burst - 1) * this.interval;
  }

  /** Spends one of `key`'s tokens at `nowMs` (milliseconds on a clock that only moves forward), if it has one. */
  take(key: string, nowMs: number): RateDecision {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
      bucket = { fullAt: nowMs };
      this.buckets.set(key, bucket);
    }
    const ahead = Math.max(bucket.fullAt, nowMs) - nowMs;
    if (ahead > this.tolerance) {
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((ahead - this.tolerance) / 1000)) };
    }
    bucket.fullAt = nowMs + ahead + this.interval;
    return { allowed: true, remaining: Math.floor((this.tolerance - ahead) / this.interval) };
  }

  /** How many keys have a bucket (bounded by `maxKeys`). */
  get size(): number {
    return this.buckets.size;
  }
}
