import type { ApiKeyRecord } from '../../domain/api-key';

/** A key to store: its id, digest and prefix (never the key itself). */
export interface NewApiKey {
  apiKeyId: string;
  keyHash: Buffer;
  keyPrefix: string;
}

/**
 * Where merchants' API keys are kept (the gateway's `api_keys` table, MerchantRepository). Every change it makes to
 * a key is announced to the running gateways in the same transaction, so none keeps serving a key from its cache
 * after the change commits (ApiKeyGuard, ApiKeyChanges).
 */
export interface ApiKeyStore {
  /** The merchant's mode, or undefined when there is no such merchant. */
  merchantMode(merchantId: string): Promise<'SANDBOX' | 'LIVE' | undefined>;
  /**
   * In one transaction: stores `key` for the merchant, and makes each of its other keys that is neither revoked nor
   * expiring sooner expire at `oldKeysExpireAt`. Answers the old keys as they are after the change.
   */
  rotate(merchantId: string, key: NewApiKey, oldKeysExpireAt: Date): Promise<ApiKeyRecord[]>;
  /** Revokes the key at `at` (a key revoked before keeps its time); undefined when there is no such key. */
  revoke(apiKeyId: string, at: Date): Promise<ApiKeyRecord | undefined>;
  /** The merchant's keys, oldest first. */
  list(merchantId: string): Promise<ApiKeyRecord[]>;
}

export const API_KEY_STORE = Symbol('ApiKeyStore');

/** A key command refused for what it asks (an unknown merchant or key, an overlap out of bounds). */
export class ApiKeyCommandRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiKeyCommandRefused';
  }
}
