import type { ApiKeyRecord } from '../../domain/api-key';
import type { ApiKeyStore, NewApiKey } from './api-key-store';

/** The ApiKeyStore's contract in memory, for the use cases' tests (the PostgreSQL one: merchant.repository.int-spec). */
export class InMemoryApiKeyStore implements ApiKeyStore {
  readonly merchants = new Map<string, 'SANDBOX' | 'LIVE'>();
  readonly keys: (ApiKeyRecord & { keyHash: Buffer })[] = [];

  constructor(private readonly now: () => Date) {}

  addMerchant(merchantId: string, mode: 'SANDBOX' | 'LIVE' = 'SANDBOX'): void {
    this.merchants.set(merchantId, mode);
  }

  async merchantMode(merchantId: string) {
    return this.merchants.get(merchantId);
  }

  async rotate(merchantId: string, key: NewApiKey, oldKeysExpireAt: Date): Promise<ApiKeyRecord[]> {
    const old = this.keys.filter((k) => k.merchantId === merchantId && k.revokedAt === null);
    for (const k of old) {
      if (k.expiresAt === null || k.expiresAt > oldKeysExpireAt) k.expiresAt = oldKeysExpireAt;
    }
    this.keys.push({ ...key, merchantId, createdAt: this.now(), expiresAt: null, revokedAt: null });
    return old.map(record);
  }

  async revoke(apiKeyId: string, at: Date): Promise<ApiKeyRecord | undefined> {
    const key = this.keys.find((k) => k.apiKeyId === apiKeyId);
    if (!key) return undefined;
    key.revokedAt ??= at;
    return record(key);
  }

  async list(merchantId: string): Promise<ApiKeyRecord[]> {
    return this.keys.filter((k) => k.merchantId === merchantId).map(record);
  }
}

function record({ apiKeyId, merchantId, keyPrefix, createdAt, expiresAt, revokedAt }: ApiKeyRecord): ApiKeyRecord {
  return { apiKeyId, merchantId, keyPrefix, createdAt, expiresAt, revokedAt };
}
