import type { ExecutionContext } from '@nestjs/common';
import { ManualClock } from '@payment-ledger/platform';
import { hashApiKey } from '../../application/api-keys/api-key-secret';
import type { GatewayConfig } from '../../gateway.config';
import type { ApiKeyChange, ApiKeyChanges } from './api-key-changes';
import { ApiKeyGuard } from './api-key.guard';
import type { ApiKeyLookup, MerchantRepository } from './merchant.repository';

const KEY = `sk_sandbox_${'k'.repeat(43)}`;
const DIGEST = hashApiKey(KEY).toString('base64');
const MERCHANT = { id: 'mch_a', name: 'Acme', mode: 'SANDBOX' as const };

/** ApiKeyChanges as the guard sees it, moved by the test. */
class FakeChanges {
  isListening = true;
  version = 0;
  private subscriber: (change: ApiKeyChange) => void = () => undefined;
  subscribe(subscriber: (change: ApiKeyChange) => void) {
    this.subscriber = subscriber;
  }
  announce(change: ApiKeyChange) {
    this.version++;
    this.subscriber(change);
  }
}

/** The guard's cache, announcements and refusals, on a repository whose row the test changes. */
describe('ApiKeyGuard', () => {
  let row: ApiKeyLookup | undefined;
  let lookups: number;
  let duringLookup: (() => void) | undefined;
  let changes: FakeChanges;
  let clock: ManualClock;
  let guard: ApiKeyGuard;

  beforeEach(() => {
    row = { merchant: MERCHANT, expiresAt: null, revokedAt: null };
    lookups = 0;
    duringLookup = undefined;
    changes = new FakeChanges();
    clock = new ManualClock(new Date('2026-03-01T12:00:00.000Z'));
    const repository = {
      findByApiKey: async () => {
        lookups++;
        const answer = row && { ...row };
        duringLookup?.();
        return answer;
      },
    } as unknown as MerchantRepository;
    const config = {
      API_KEY_CACHE_TTL_MS: 600_000,
      API_KEY_NEGATIVE_CACHE_TTL_MS: 5_000,
      GATEWAY_RATE_LIMIT_PER_KEY: 0,
      GATEWAY_RATE_LIMIT_KEY_BURST: 1,
    } as GatewayConfig;
    guard = new ApiKeyGuard(repository, config, clock, changes as unknown as ApiKeyChanges);
  });

  /** The guard's answer to a request with the key: `ok`, or the refusal's code. */
  async function request(key = KEY): Promise<string> {
    const req = { headers: { authorization: `Bearer ${key}` } };
    const context = { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
    try {
      await guard.canActivate(context);
      return 'ok';
    } catch (error) {
      return (error as { failureCode: string }).failureCode;
    }
  }

  it('remembers a verified key while it hears announcements', async () => {
    expect([await request(), await request(), await request()]).toEqual(['ok', 'ok', 'ok']);
    expect(lookups).toBe(1);
  });

  it('forgets a key when its change is announced: a revocation holds from the next request', async () => {
    await request();
    row = { merchant: MERCHANT, expiresAt: null, revokedAt: clock.now() };
    expect(await request()).toBe('ok'); // not announced yet: cached
    changes.announce(DIGEST);
    expect(await request()).toBe('api_key_revoked');
    expect(lookups).toBe(2);
  });

  it("another key's announcement leaves this one cached", async () => {
    await request();
    changes.announce(hashApiKey('sk_sandbox_another').toString('base64'));
    await request();
    expect(lookups).toBe(1);
  });

  it('caches nothing while it cannot hear announcements, and forgets everything when that starts', async () => {
    await request();
    changes.isListening = false;
    changes.announce(null);
    expect([await request(), await request()]).toEqual(['ok', 'ok']);
    expect(lookups).toBe(3);
    row = { merchant: MERCHANT, expiresAt: null, revokedAt: clock.now() };
    expect(await request()).toBe('api_key_revoked');
  });

  it('keeps out of the cache what a lookup read before a change announced while it ran', async () => {
    duringLookup = () => {
      // The revocation commits and is announced after the lookup read the row, before it answers.
      row = { merchant: MERCHANT, expiresAt: null, revokedAt: clock.now() };
      changes.announce(DIGEST);
    };
    expect(await request()).toBe('ok');
    duringLookup = undefined;
    expect(await request()).toBe('api_key_revoked');
  });

  it('refuses a cached key once its expiry passes on the injected clock, without looking it up', async () => {
    row = { merchant: MERCHANT, expiresAt: new Date(clock.now().getTime() + 60_000), revokedAt: null };
    expect(await request()).toBe('ok');
    clock.advanceBy(59_999);
    expect(await request()).toBe('ok');
    clock.advanceBy(1);
    expect(await request()).toBe('api_key_expired');
    expect(lookups).toBe(1);
  });

  it('refuses an unknown key as invalid_api_key', async () => {
    row = undefined;
    expect(await request()).toBe('invalid_api_key');
  });

  it('refuses a key of any other shape than the keys it makes without looking it up (issue 19: no query per made-up key)', async () => {
    const madeUp = [
      'sk_sandbox_not-a-key',
      `sk_sandbox_${'k'.repeat(42)}`,
      `sk_sandbox_${'k'.repeat(44)}`,
      `sk_test_${'k'.repeat(43)}`,
      `sk_sandbox_${'k'.repeat(42)}=`,
      'x'.repeat(5_000),
    ];
    for (const key of madeUp) expect(await request(key)).toBe('invalid_api_key');
    expect(lookups).toBe(0);
    expect(await request(`sk_live_${'k'.repeat(43)}`)).toBe('ok');
    expect(lookups).toBe(1);
  });
});
