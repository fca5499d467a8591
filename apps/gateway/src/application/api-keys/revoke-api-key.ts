import type { Clock } from '@payment-ledger/platform';
import type { ApiKeyRecord } from '../../domain/api-key';
import { ApiKeyCommandRefused, type ApiKeyStore } from './api-key-store';

/**
 * Revokes an API key now: refused from the moment the change commits (`api_key_revoked`), also by running gateways
 * that had it cached. Revoking a revoked key changes nothing.
 */
export class RevokeApiKey {
  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: Clock,
  ) {}

  async execute({ apiKeyId }: { apiKeyId: string }): Promise<ApiKeyRecord> {
    const revoked = await this.store.revoke(apiKeyId, this.clock.now());
    if (!revoked) throw new ApiKeyCommandRefused(`no API key ${apiKeyId}`);
    return revoked;
  }
}
