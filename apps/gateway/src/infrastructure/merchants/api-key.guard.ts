import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { liveModeAvailable, type MerchantContext } from '@payment-ledger/contracts';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { hashApiKey, isWellFormedApiKey } from '../../application/api-keys/api-key-secret';
import { apiKeyStatus } from '../../domain/api-key';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';
import { ApiError } from '../http/api-error';
import { rateLimited } from '../http/rate-limited';
import { RateLimiter } from '../http/rate-limiter';
import { ApiKeyChanges, type ApiKeyChange } from './api-key-changes';
import { type ApiKeyLookup, MerchantRepository } from './merchant.repository';

const LIVE_MODE = liveModeAvailable();

const MAX_CACHED_KEYS = 10_000;

export interface AuthenticatedRequest extends FastifyRequest {
  merchant: MerchantContext;
}

/** Why a key is refused: each its own 401 code. */
type Refusal = 'invalid_api_key' | 'api_key_expired' | 'api_key_revoked';

const REFUSALS: Record<Refusal, string> = {
  invalid_api_key: 'The API key is not valid',
  api_key_expired: 'The API key has expired (it was rotated); use the key that replaced it',
  api_key_revoked: 'The API key has been revoked',
};

/**
 * `Authorization: Bearer <api key>`: a missing, malformed or unknown key is a 401, and so is a revoked key
 * (`api_key_revoked`) or one past the expiry its rotation gave it (`api_key_expired`, checked on the injected clock
 * at every request, cached or not); a known key past its rate (GATEWAY_RATE_LIMIT_PER_KEY,
 * GATEWAY_RATE_LIMIT_KEY_BURST) is a 429.
 *
 * Lookups are remembered by the key's digest, both ways, so neither the hot path nor a flood of one wrong key
 * queries PostgreSQL for every request. A verified key is remembered for API_KEY_CACHE_TTL_MS, but a revocation or a
 * rotation does not wait for that: each is announced when it commits and dropped from the cache at once
 * (ApiKeyChanges), and while this gateway cannot hear those announcements it caches no verified key. A refused key
 * is remembered for API_KEY_NEGATIVE_CACHE_TTL_MS, and that time is kept short (5 s) because it errs the other way: a key looked up before its creation committed stays refused that long
 * after. The gateway generates keys and hands them out once stored, so only a key used before it was handed out
 * meets that; the gain is that repeating one wrong key costs a query per TTL, not per request. Refused keys have
 * their own bounded Map, so a stream of distinct wrong keys cannot push verified keys out. A key not of the shape
 * keys are made in is refused before any lookup; a stream of distinct well-formed wrong keys costs a query each, and
 * is what the per-address limit (checked before any key) is for. Lookups of one key that arrive
 * together share one query.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verified = new Map<string, { key: ApiKeyLookup; until: number }>();
  /** Refused keys by digest: why, and until when the refusal stands. */
  private readonly refused = new Map<string, { refusal: Refusal; until: number }>();
  private readonly inFlight = new Map<string, Promise<ApiKeyLookup | Refusal>>();
  private readonly limiter: RateLimiter | undefined;

  constructor(
    private readonly merchants: MerchantRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly changes: ApiKeyChanges,
  ) {
    changes.subscribe((change) => this.forget(change));
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
    if (!isWellFormedApiKey(key)) throw new ApiError(401, 'invalid_api_key', REFUSALS.invalid_api_key);
    const digest = hashApiKey(key).toString('base64');
    const found = await this.lookup(key, digest);
    const refusal = typeof found === 'string' ? found : refusalOf(found, this.clock.now());
    if (refusal) throw new ApiError(401, refusal, REFUSALS[refusal]);
    const { merchant } = found as ApiKeyLookup;
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

  private lookup(key: string, digest: string): Promise<ApiKeyLookup | Refusal> | ApiKeyLookup | Refusal {
    const now = Date.now();
    const known = this.verified.get(digest);
    if (known && known.until > now) return known.key;
    const refused = this.refused.get(digest);
    if (refused !== undefined && refused.until > now) return refused.refusal;
    let pending = this.inFlight.get(digest);
    if (!pending) {
      const query: Promise<ApiKeyLookup | Refusal> = this.query(key, digest).finally(() => {
        // A change may have dropped this lookup and another may have taken its place.
        if (this.inFlight.get(digest) === query) this.inFlight.delete(digest);
      });
      pending = query;
      this.inFlight.set(digest, query);
    }
    return pending;
  }

  private async query(key: string, digest: string): Promise<ApiKeyLookup | Refusal> {
    const version = this.changes.version;
    const found = await this.merchants.findByApiKey(key);
    const now = Date.now();
    const refusal = found ? refusalOf(found, this.clock.now()) : 'invalid_api_key';
    if (refusal) {
      // Revoked and expired are final (a revocation is never undone, a rotation never lengthens an expiry).
      if (this.config.API_KEY_NEGATIVE_CACHE_TTL_MS > 0) {
        remember(this.refused, digest, { refusal, until: now + this.config.API_KEY_NEGATIVE_CACHE_TTL_MS });
      }
      return refusal;
    }
    const verified = found as ApiKeyLookup;
    this.refused.delete(digest);
    // A change announced while the lookup ran may have come after what it read: keep its answer out of the cache.
    const cacheable = this.changes.isListening && this.changes.version === version;
    if (cacheable && this.config.API_KEY_CACHE_TTL_MS > 0) {
      remember(this.verified, digest, { key: verified, until: now + this.config.API_KEY_CACHE_TTL_MS });
    }
    return verified;
  }

  /** A key changed (or any may have): its cached answers, and any lookup of it in flight, no longer stand. */
  private forget(change: ApiKeyChange): void {
    if (change === null) {
      this.verified.clear();
      this.refused.clear();
      this.inFlight.clear();
      return;
    }
    this.verified.delete(change);
    this.refused.delete(change);
    this.inFlight.delete(change);
  }
}

/** Why a found key may not be used now, if it may not. */
function refusalOf(key: ApiKeyLookup, now: Date): Refusal | undefined {
  const status = apiKeyStatus(key, now);
  if (status === 'revoked') return 'api_key_revoked';
  if (status === 'expired') return 'api_key_expired';
  return undefined;
}

/** Sets an entry, first dropping the oldest one when the map is full. */
function remember<V>(cache: Map<string, V>, digest: string, value: V): void {
  if (cache.size >= MAX_CACHED_KEYS && !cache.has(digest)) cache.delete(cache.keys().next().value as string);
  cache.set(digest, value);
}
