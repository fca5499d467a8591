import { newId } from '@payment-ledger/contracts';
import type { Clock } from '@payment-ledger/platform';
import { type ApiKeyRecord, DEFAULT_ROTATION_OVERLAP_MS, MAX_ROTATION_OVERLAP_MS } from '../../domain/api-key';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './api-key-secret';
import { ApiKeyCommandRefused, type ApiKeyStore } from './api-key-store';

export interface RotateApiKeyCommand {
  merchantId: string;
  /** How long the merchant's current keys keep working beside the new one (default 24 hours; 0: stop now). */
  overlapMs?: number;
}

export interface RotatedApiKey {
  merchantId: string;
  apiKeyId: string;
  /** The new key: shown once, never stored. */
  apiKey: string;
  /** The merchant's previous keys, now expiring at the end of the overlap (or sooner, if they already were). */
  previousKeys: ApiKeyRecord[];
}

/**
 * Rolls a merchant's API key: issues a new one and gives the keys it had until `now + overlap` to be replaced
 * wherever the merchant uses them; after that they are refused (`api_key_expired`).
 */
export class RotateApiKey {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
  ) {}

  async execute({ merchantId, overlapMs = DEFAULT_ROTATION_OVERLAP_MS }: RotateApiKeyCommand): Promise<RotatedApiKey> {
    if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS) {
      throw new ApiKeyCommandRefused(
        `the overlap must be between 0 and ${MAX_ROTATION_OVERLAP_MS / 86_400_000} days, in whole milliseconds`,
      );
    }
    const mode = await this.store.merchantMode(merchantId);
    if (mode === undefined) throw new ApiKeyCommandRefused(`no merchant ${merchantId}`);
    const apiKey = generateApiKey(mode);
    const apiKeyId = newId('apiKey');
    const expireAt = new Date(this.clock.now().getTime() + overlapMs);
    const previousKeys = await this.store.rotate(
      merchantId,
      { apiKeyId, keyHash: hashApiKey(apiKey), keyPrefix: apiKeyPrefix(apiKey) },
      expireAt,
    );
    return { merchantId, apiKeyId, apiKey, previousKeys };
  }
}
