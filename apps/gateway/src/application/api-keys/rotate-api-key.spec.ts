import { ManualClock } from '@payment-ledger/platform';
import { hashApiKey } from './api-key-secret';
import { ApiKeyCommandRefused } from './api-key-store';
import { InMemoryApiKeyStore } from './in-memory-api-key-store.spec-support';
import { ListApiKeys } from './list-api-keys';
import { RotateApiKey } from './rotate-api-key';

const HOUR = 3_600_000;

describe('RotateApiKey', () => {
  let clock: ManualClock;
  let store: InMemoryApiKeyStore;
  let rotate: RotateApiKey;
  beforeEach(() => {
    clock = new ManualClock(new Date('2026-03-01T12:00:00.000Z'));
    store = new InMemoryApiKeyStore(() => clock.now());
    store.addMerchant('mch_a');
    rotate = new RotateApiKey(store, clock);
  });

  it('issues a new key of the merchant mode, stored as its digest only, and shown once', async () => {
    const rotated = await rotate.execute({ merchantId: 'mch_a' });
    expect(rotated.apiKey).toMatch(/^sk_sandbox_[A-Za-z0-9_-]{43}$/);
    expect(rotated.apiKeyId).toMatch(/^key_/);
    const stored = store.keys.find((k) => k.apiKeyId === rotated.apiKeyId);
    expect(stored?.keyHash).toEqual(hashApiKey(rotated.apiKey));
    expect(stored?.keyPrefix).toBe(rotated.apiKey.slice(0, 16));
    expect(JSON.stringify(store.keys)).not.toContain(rotated.apiKey);
  });

  it('gives the previous keys 24 hours by default, then the overlap asked for', async () => {
    const first = await rotate.execute({ merchantId: 'mch_a' });
    const second = await rotate.execute({ merchantId: 'mch_a' });
    expect(second.previousKeys).toEqual([
      expect.objectContaining({ apiKeyId: first.apiKeyId, expiresAt: new Date('2026-03-02T12:00:00.000Z') }),
    ]);
    clock.advanceBy(HOUR);
    const third = await rotate.execute({ merchantId: 'mch_a', overlapMs: 2 * HOUR });
    // Both previous keys now end with the shorter overlap.
    expect(third.previousKeys.map((k) => [k.apiKeyId, k.expiresAt?.toISOString()])).toEqual([
      [first.apiKeyId, '2026-03-01T15:00:00.000Z'],
      [second.apiKeyId, '2026-03-01T15:00:00.000Z'],
    ]);
    const listed = await new ListApiKeys(store, clock).execute({ merchantId: 'mch_a' });
    expect(listed.map((k) => k.status)).toEqual(['expiring', 'expiring', 'active']);
    clock.advanceBy(2 * HOUR);
    const later = await new ListApiKeys(store, clock).execute({ merchantId: 'mch_a' });
    expect(later.map((k) => k.status)).toEqual(['expired', 'expired', 'active']);
  });

  it('never lengthens an overlap already running', async () => {
    const first = await rotate.execute({ merchantId: 'mch_a' });
    await rotate.execute({ merchantId: 'mch_a', overlapMs: HOUR });
    const third = await rotate.execute({ merchantId: 'mch_a', overlapMs: 48 * HOUR });
    expect(third.previousKeys.find((k) => k.apiKeyId === first.apiKeyId)?.expiresAt).toEqual(
      new Date('2026-03-01T13:00:00.000Z'),
    );
  });

  it('with an overlap of 0, the previous keys stop at once', async () => {
    const first = await rotate.execute({ merchantId: 'mch_a' });
    const second = await rotate.execute({ merchantId: 'mch_a', overlapMs: 0 });
    expect(second.previousKeys).toEqual([
      expect.objectContaining({ apiKeyId: first.apiKeyId, expiresAt: clock.now() }),
    ]);
  });

  it('issues a live key to a live merchant', async () => {
    store.addMerchant('mch_live', 'LIVE');
    expect((await rotate.execute({ merchantId: 'mch_live' })).apiKey).toMatch(/^sk_live_/);
  });

  it('refuses an unknown merchant, and an overlap below 0, above 30 days or not whole, storing nothing', async () => {
    await expect(rotate.execute({ merchantId: 'mch_unknown' })).rejects.toThrow(ApiKeyCommandRefused);
    for (const overlapMs of [-1, 30 * 24 * HOUR + 1, 0.5, Number.NaN]) {
      await expect(rotate.execute({ merchantId: 'mch_a', overlapMs })).rejects.toThrow(/overlap/);
    }
    expect(store.keys).toEqual([]);
  });
});
