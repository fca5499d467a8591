import { ApiError } from './api-error';
import type { RateLimit } from './rate-limiter';

/**
 * The 429 of either rate limit (per client address, per API key): `rate_limited`, with `Retry-After` and the
 * `RateLimit-*` headers. `RateLimit-Reset` is when the next request would pass, as `Retry-After` says, since one
 * token is all a request needs.
 */
export function rateLimited(limit: RateLimit, retryAfterSeconds: number, failureMessage: string): ApiError {
  return new ApiError(429, 'rate_limited', failureMessage, {}, retryAfterSeconds, {
    'RateLimit-Limit': String(limit.ratePerSecond),
    'RateLimit-Remaining': '0',
    'RateLimit-Reset': String(retryAfterSeconds),
  });
}
