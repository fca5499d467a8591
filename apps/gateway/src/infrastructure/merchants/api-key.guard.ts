import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { liveModeAvailable, type MerchantContext } from '@payment-ledger/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';
import { ApiError } from '../http/api-error';
import { rateLimited } from '../http/rate-limited';
import { RateLimiter } from '../http/rate-limiter';
import { hashApiKey } from './api-key';
import { MerchantRepository } from './merchant.repository';

const LIVE_MODE = liveModeAvailable();

const MAX_CACHED_KEYS = 10_000;

export interface AuthenticatedRequest extends FastifyRequest {
  merchant: MerchantContext;
}

/**
 * `Authorization: Bearer <api key>`: a missing, malformed, unknown or revoked key is a 401; a known key past its
 * rate (GATEWAY_RATE_LIMIT_PER_KEY, GATEWAY_RATE_LIMIT_KEY_BURST) is a 429.
 *
 * Lookups are remembered by the key's digest, both ways, so neither the hot path nor a flood of one wrong key
 * queries PostgreSQL for every request. A verified key is remembered for API_KEY_CACHE_TTL_MS, so a revoked key
 * keeps working that long. A refused key is remembered for API_KEY_NEGATIVE_CACHE_TTL_MS, and that time is kept
 * short (5 s) because it errs the other way: a key looked up before its creation committed stays refused that long
 * after. The gateway generates keys and hands them out once stored, so only a key used before it was handed out
 * meets that; the gain is that repeating one wrong key costs a query per TTL, not per request. Refused keys have
 * their own bounded Map, so a stream of distinct wrong keys cannot push verified keys out; such a stream costs a
 * query each, and is what the per-address limit (checked before any key) is for. Lookups of one key that arrive
 * together share one query.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verified = new Map<string, { merchant: MerchantContext; until: number }>();
  /** Refused keys by digest: until when the refusal stands. */
  private readonly refused = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<MerchantContext | undefined>>();
  private readonly limiter: RateLimiter | undefined;

  constructor(
    private readonly merchants: MerchantRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {
    this.limiter =
      config.GATEWAY_RATE_LIMIT_PER_KEY > 0
        ? new RateLimiter({
            ratePerSecond: config.GATEWAY_RATE_LIMIT_PER_KEY,
            burst: config.GATEWAY_RATE_LIMIT_KEY_BURST,
          })
        : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'unauthorized', 'Send your API key as Authorization: Bearer <key>');
    const key = match[1];
    const digest = hashApiKey(key).toString('base64');
    const merchant = await this.lookup(key, digest);
    if (!merchant) throw new ApiError(401, 'invalid_api_key', 'The API key is not valid');
    // A live key (of a merchant from before live mode was closed) must not send payments to the sandbox simulator.
    if (merchant.mode === 'LIVE' && !LIVE_MODE) {
      throw new ApiError(
        403,
        'live_mode_unavailable',
        'Live keys cannot be used yet: no live payment provider is connected; use your sandbox key',
      );
    }
    if (this.limiter) this.spend(this.limiter, digest);
    request.merchant = merchant;
    return true;
  }

  /** Spends one of the key's requests (on the monotonic clock, as RateLimiter explains), or refuses with a 429. */
  private spend(limiter: RateLimiter, digest: string): void {
    const decision = limiter.take(digest, performance.now());
    if (decision.allowed) return;
    const message = 'Too many requests with this API key; retry after Retry-After seconds';
    throw rateLimited(limiter.limit, decision.retryAfterSeconds, message);
  }

  private lookup(key: string, digest: string): Promise<MerchantContext | undefined> | MerchantContext | undefined {
    const now = Date.now();
    const known = this.verified.get(digest);
    if (known && known.until > now) return known.merchant;
    const refusedUntil = this.refused.get(digest);
    if (refusedUntil !== undefined && refusedUntil > now) return undefined;
    let pending = this.inFlight.get(digest);
    if (!pending) {
      pending = this.query(key, digest).finally(() => this.inFlight.delete(digest));
      this.inFlight.set(digest, pending);
    }
    return pending;
  }

  private async query(key: string, digest: string): Promise<MerchantContext | undefined> {
    const merchant = await this.merchants.findByApiKey(key);
    const now = Date.now();
    if (merchant) {
      this.refused.delete(digest);
      if (this.config.API_KEY_CACHE_TTL_MS > 0) {
        remember(this.verified, digest, { merchant, until: now + this.config.API_KEY_CACHE_TTL_MS });
      }
    } else if (this.config.API_KEY_NEGATIVE_CACHE_TTL_MS > 0) {
      remember(this.refused, digest, now + this.config.API_KEY_NEGATIVE_CACHE_TTL_MS);
    }
    return merchant;
  }
}

/** Sets an entry, first dropping the oldest one when the map is full. */
function remember<V>(cache: Map<string, V>, digest: string, value: V): void {
  if (cache.size >= MAX_CACHED_KEYS && !cache.has(digest)) cache.delete(cache.keys().next().value as string);
  cache.set(digest, value);
}
