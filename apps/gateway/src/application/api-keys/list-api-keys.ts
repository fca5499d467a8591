import type { Clock } from '@payment-ledger/platform';
import { type ApiKeyRecord, type ApiKeyStatus, apiKeyStatus } from '../../domain/api-key';
import { ApiKeyCommandRefused, type ApiKeyStore } from './api-key-store';

export interface ListedApiKey extends ApiKeyRecord {
  status: ApiKeyStatus;
}

/** A merchant's API keys with their status now: ids, prefixes and dates, never a key. */
export class ListApiKeys {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
  ) {}

  async execute({ merchantId }: { merchantId: string }): Promise<ListedApiKey[]> {
    if ((await this.store.merchantMode(merchantId)) === undefined) {
      throw new ApiKeyCommandRefused(`no merchant ${merchantId}`);
    }
    const now = this.clock.now();
    return (await this.store.list(merchantId)).map((key) => ({ ...key, status: apiKeyStatus(key, now) }));
  }
}
