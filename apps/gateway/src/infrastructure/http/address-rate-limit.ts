import type { FastifyInstance } from 'fastify';
import { sendApiError } from './http-error.filter';
import { rateLimited } from './rate-limited';
import { type RateLimit, RateLimiter } from './rate-limiter';

/** Kubernetes probes (HealthController) are never limited: a refused probe would restart or unlist the gateway. */
const UNLIMITED_ROUTES: ReadonlySet<string> = new Set(['/health/live', '/health/ready']);

/**
 * Limits the requests of each client address (GATEWAY_RATE_LIMIT_PER_ADDRESS, GATEWAY_RATE_LIMIT_ADDRESS_BURST).
 * It is an `onRequest` hook, the first stage of a request, so a refused request costs neither a body read nor an
 * API-key lookup: a flood of wrong keys from one address is stopped here. Register it after registerCorrelation,
 * whose hook gives the 429 its X-Correlation-Id. The address is `request.ip`: the connection's, or, behind the
 * proxies named in GATEWAY_TRUSTED_PROXIES, the client's from X-Forwarded-For.
 */
export function registerAddressRateLimit(
  fastify: FastifyInstance,
  limit: RateLimit,
  now: () => Date,
  monotonicMs: () => number = () => performance.now(),
): void {
  const limiter = new RateLimiter(limit);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (UNLIMITED_ROUTES.has(request.routeOptions.url ?? '')) return done();
    const decision = limiter.take(request.ip, monotonicMs());
    if (decision.allowed) return done();
    sendApiError(
      reply,
      rateLimited(
        limit,
        decision.retryAfterSeconds,
        'Too many requests from this address; retry after Retry-After seconds',
      ),
      now(),
    );
  });
}
