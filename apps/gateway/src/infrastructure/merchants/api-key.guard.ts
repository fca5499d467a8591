import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { MerchantContext } from '@payment-ledger/contracts';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';
import { ApiError } from '../http/api-error';
import { hashApiKey } from './api-key';
import { MerchantRepository } from './merchant.repository';

const MAX_CACHED_KEYS = 10_000;

export interface AuthenticatedRequest extends FastifyRequest {
  merchant: MerchantContext;
}

/** `Authorization: Bearer <api key>`: a missing, malformed, unknown or revoked key is a 401. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** Verified keys by digest, so the hot path does not query PostgreSQL for every request. */
  private readonly cache = new Map<string, { merchant: MerchantContext; until: number }>();

  constructor(
    private readonly merchants: MerchantRepository,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'unauthorized', 'Send your API key as Authorization: Bearer <key>');
    const merchant = await this.lookup(match[1]);
    if (!merchant) throw new ApiError(401, 'invalid_api_key', 'The API key is not valid');
    request.merchant = merchant;
    return true;
  }

  private async lookup(key: string): Promise<MerchantContext | undefined> {
    const digest = hashApiKey(key).toString('base64');
    const now = Date.now();
    const cached = this.cache.get(digest);
    if (cached && cached.until > now) return cached.merchant;
    const merchant = await this.merchants.findByApiKey(key);
    if (merchant && this.config.API_KEY_CACHE_TTL_MS > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(digest, { merchant, until: now + this.config.API_KEY_CACHE_TTL_MS });
    }
    return merchant;
  }
}
