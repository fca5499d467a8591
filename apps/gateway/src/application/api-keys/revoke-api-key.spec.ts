import { ManualClock } from '@payment-ledger/platform';
import { ApiKeyCommandRefused } from './api-key-store';
import { InMemoryApiKeyStore } from './in-memory-api-key-store.spec-support';
import { ListApiKeys } from './list-api-keys';
import { RevokeApiKey } from './revoke-api-key';
import { RotateApiKey } from './rotate-api-key';

describe('RevokeApiKey and ListApiKeys', () => {
  let clock: ManualClock;
  let store: InMemoryApiKeyStore;
  beforeEach(() => {
    clock = new ManualClock(new Date('2026-03-01T12:00:00.000Z'));
    store = new InMemoryApiKeyStore(() => clock.now());
    store.addMerchant('mch_a');
  });

  it('revokes a key at once, keeping the first revocation time when revoked again', async () => {
    const { apiKeyId } = await new RotateApiKey(store, clock).execute({ merchantId: 'mch_a' });
    const revoke = new RevokeApiKey(store, clock);
    expect(await revoke.execute({ apiKeyId })).toMatchObject({ apiKeyId, revokedAt: clock.now() });
    const revokedAt = clock.now();
    clock.advanceBy(1_000);
    expect(await revoke.execute({ apiKeyId })).toMatchObject({ revokedAt });
    const [listed] = await new ListApiKeys(store, clock).execute({ merchantId: 'mch_a' });
    expect(listed.status).toBe('revoked');
  });

  it('revokes a key within its rotation overlap: revoked wins over expiring', async () => {
    const rotate = new RotateApiKey(store, clock);
    const old = await rotate.execute({ merchantId: 'mch_a' });
    await rotate.execute({ merchantId: 'mch_a' });
    await new RevokeApiKey(store, clock).execute({ apiKeyId: old.apiKeyId });
    const listed = await new ListApiKeys(store, clock).execute({ merchantId: 'mch_a' });
    expect(listed.map((k) => k.status)).toEqual(['revoked', 'active']);
  });

  it('refuses an unknown key, and listing an unknown merchant', async () => {
    await expect(new RevokeApiKey(store, clock).execute({ apiKeyId: 'key_unknown' })).rejects.toThrow(
      ApiKeyCommandRefused,
    );
    await expect(new ListApiKeys(store, clock).execute({ merchantId: 'mch_unknown' })).rejects.toThrow(/no merchant/);
  });

  it('lists ids, prefixes and dates, never a key or its digest', async () => {
    const { apiKey } = await new RotateApiKey(store, clock).execute({ merchantId: 'mch_a' });
    const listed = await new ListApiKeys(store, clock).execute({ merchantId: 'mch_a' });
    expect(Object.keys(listed[0]).sort()).toEqual(
      ['apiKeyId', 'createdAt', 'expiresAt', 'keyPrefix', 'merchantId', 'revokedAt', 'status'].sort(),
    );
    expect(JSON.stringify(listed)).not.toContain(apiKey);
  });
});
