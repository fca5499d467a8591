/**
 * Rolling and revoking API keys (issue 15, point 7), through the real gateway's HTTP API: after a rotation the new
 * key works and the old one too until the overlap ends (time moved on the stack's injected clock), then the old one
 * is refused with 401 `api_key_expired`; a revoked key is refused with 401 `api_key_revoked` at once, also by a
 * running gateway that had it in its cache (API_KEY_CACHE_TTL_MS of 10 minutes here): the change is announced when
 * it commits and the gateway drops the key. While a gateway cannot hear announcements it caches no key. The
 * `merchant:keys` CLI is driven as a process against the same database.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { newId } from '@payment-ledger/contracts';
import { ListApiKeys } from '../../apps/gateway/src/application/api-keys/list-api-keys';
import { RevokeApiKey } from '../../apps/gateway/src/application/api-keys/revoke-api-key';
import { RotateApiKey } from '../../apps/gateway/src/application/api-keys/rotate-api-key';
import { ApiKeyChanges } from '../../apps/gateway/src/infrastructure/merchants/api-key-changes';
import { MerchantRepository } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { REPO_ROOT } from '../support/processes';
import { apiClient, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

const HOUR = 3_600_000;
const CLI = join(REPO_ROOT, 'apps/gateway/src/cli/merchant-keys.ts');

let db: TestDatabase;
let stack: PaymentStack;
/** A gateway that remembers verified keys for 10 minutes (the stack's own remembers none). */
let cached: { app: INestApplication; baseUrl: string };
let rotate: RotateApiKey;
let revoke: RevokeApiKey;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
  cached = await stack.startGateway({ API_KEY_CACHE_TTL_MS: String(10 * 60_000) });
  await waitFor('the caching gateway to listen for key changes', () => cached.app.get(ApiKeyChanges).isListening);
  const store = stack.gateway.get(MerchantRepository);
  rotate = new RotateApiKey(store, stack.clock);
  revoke = new RevokeApiKey(store, stack.clock);
});
afterAll(async () => {
  await cached?.app.close();
  await stack?.stop();
  await db?.drop();
});

/** What a gateway answers a key: `ok` when it passed authentication (a charge that does not exist is a 404). */
async function answer(baseUrl: string, apiKey: string): Promise<string> {
  const response = await apiClient(baseUrl, apiKey)('GET', `/v1/payment-charges/${newId('charge')}`);
  if (response.status === 404) return 'ok';
  return `${response.status} ${response.body.failureCode}`;
}

/** The key's answer on both gateways. */
async function everywhere(apiKey: string): Promise<string[]> {
  return [await answer(stack.baseUrl, apiKey), await answer(cached.baseUrl, apiKey)];
}

const lookups = () => jest.spyOn(cached.app.get(MerchantRepository), 'findByApiKey');

describe('rotating a key', () => {
  it('the new key works at once, the old one until the overlap ends, then is refused as expired', async () => {
    const { merchant, apiKey: oldKey } = await stack.merchant('Rotating Books');
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']); // now in the caching gateway's cache

    const rotated = await rotate.execute({ merchantId: merchant.id, overlapMs: HOUR });
    expect(rotated.apiKey).not.toBe(oldKey);
    expect(await everywhere(rotated.apiKey)).toEqual(['ok', 'ok']);
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);

    stack.clock.advanceBy(HOUR - 1_000);
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);
    stack.clock.advanceBy(1_000);
    expect(await everywhere(oldKey)).toEqual(['401 api_key_expired', '401 api_key_expired']);
    expect(await everywhere(rotated.apiKey)).toEqual(['ok', 'ok']);
  });

  it('with the default overlap, the old key works for 24 hours', async () => {
    const { merchant, apiKey: oldKey } = await stack.merchant('Default Overlap');
    await rotate.execute({ merchantId: merchant.id });
    stack.clock.advanceBy(24 * HOUR - 1_000);
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);
    stack.clock.advanceBy(1_000);
    expect(await everywhere(oldKey)).toEqual(['401 api_key_expired', '401 api_key_expired']);
  });

  it('with an overlap of 0, the old key is refused at once, also where it was cached', async () => {
    const { merchant, apiKey: oldKey } = await stack.merchant('No Overlap');
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);
    await rotate.execute({ merchantId: merchant.id, overlapMs: 0 });
    await waitFor('the cached key to be refused', async () => (await answer(cached.baseUrl, oldKey)) !== 'ok', 2_000);
    expect(await everywhere(oldKey)).toEqual(['401 api_key_expired', '401 api_key_expired']);
  });
});

describe('revoking a key', () => {
  it('is refused at once by a running gateway that had the key in its cache', async () => {
    const { merchant, apiKey } = await stack.merchant('Revoked Books');
    const spy = lookups();
    try {
      expect(await answer(cached.baseUrl, apiKey)).toBe('ok');
      expect(await answer(cached.baseUrl, apiKey)).toBe('ok');
      // Served from the cache: one lookup for two requests (10 minutes would pass before it looked again).
      expect(spy).toHaveBeenCalledTimes(1);

      const [key] = await new ListApiKeys(stack.gateway.get(MerchantRepository), stack.clock).execute({
        merchantId: merchant.id,
      });
      const revokedAt = performance.now();
      await revoke.execute({ apiKeyId: key.apiKeyId });
      await waitFor(
        'the revoked key to be refused',
        async () => (await answer(cached.baseUrl, apiKey)) !== 'ok',
        2_000,
      );
      const tookMs = performance.now() - revokedAt;
      expect(tookMs).toBeLessThan(2_000);
      expect(await everywhere(apiKey)).toEqual(['401 api_key_revoked', '401 api_key_revoked']);
      console.info(`revoked key refused by the caching gateway ${tookMs.toFixed(1)} ms after the revocation`);
    } finally {
      spy.mockRestore();
    }
  });

  it('a key revoked within its rotation overlap is refused at once; the new key keeps working', async () => {
    const { merchant, apiKey: oldKey } = await stack.merchant('Overlap Revoked');
    const rotated = await rotate.execute({ merchantId: merchant.id, overlapMs: HOUR });
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);
    await revoke.execute({ apiKeyId: rotated.previousKeys[0].apiKeyId });
    await waitFor('the revoked key to be refused', async () => (await answer(cached.baseUrl, oldKey)) !== 'ok', 2_000);
    expect(await everywhere(oldKey)).toEqual(['401 api_key_revoked', '401 api_key_revoked']);
    expect(await everywhere(rotated.apiKey)).toEqual(['ok', 'ok']);
  });

  it('while the gateway cannot hear key changes, it caches no key, so a revocation still holds at once', async () => {
    const { merchant, apiKey } = await stack.merchant('Deaf Gateway');
    const changes = cached.app.get(ApiKeyChanges);
    // The listeners' sessions die (a failover, an administrator): notifications sent meanwhile are lost.
    await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'gateway-api-key-changes' AND datname = current_database()`,
    );
    await waitFor('the gateway to notice', () => !changes.isListening, 2_000);
    const spy = lookups();
    try {
      expect(await answer(cached.baseUrl, apiKey)).toBe('ok');
      const [key] = await stack.gateway.get(MerchantRepository).list(merchant.id);
      await revoke.execute({ apiKeyId: key.apiKeyId });
      if (!changes.isListening) {
        // Not listening yet: nothing was cached, so the very next request looks the key up and refuses it.
        expect(await answer(cached.baseUrl, apiKey)).toBe('401 api_key_revoked');
      }
      await waitFor('the gateway to listen again', () => changes.isListening, 10_000);
      expect(await everywhere(apiKey)).toEqual(['401 api_key_revoked', '401 api_key_revoked']);
    } finally {
      spy.mockRestore();
    }
    // Listening again, it caches again.
    const other = await stack.merchant('Heard Again');
    const again = lookups();
    try {
      await answer(cached.baseUrl, other.apiKey);
      await answer(cached.baseUrl, other.apiKey);
      expect(again).toHaveBeenCalledTimes(1);
    } finally {
      again.mockRestore();
    }
  });
});

describe('npm run merchant:keys', () => {
  /** Runs the CLI (as `npm run merchant:keys -- …` does) against the test database: exit code and output. */
  function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', CLI, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: db.url }, stdio: 'pipe' },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it('rotates (the new key printed once), lists without secrets, and revokes: a running gateway follows', async () => {
    const { merchant, apiKey: oldKey } = await stack.merchant('CLI Books');
    const rotated = await cli('rotate', merchant.id, '--overlap', '2h', '--json');
    expect(rotated).toMatchObject({ code: 0, stderr: '' });
    const { apiKey: newKey, apiKeyId, previousKeys } = JSON.parse(rotated.stdout);
    expect(newKey).toMatch(/^sk_sandbox_/);
    // The CLI runs on the system clock: the old key's overlap ends 2 hours from now (the stack's clock is behind).
    expect(Date.parse(previousKeys[0].expiresAt) - Date.now()).toBeGreaterThan(2 * HOUR - 60_000);
    expect(await everywhere(newKey)).toEqual(['ok', 'ok']);
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);

    const listed = await cli('list', merchant.id);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(apiKeyId);
    expect(listed.stdout).toContain(`${newKey.slice(0, 16)}…`);
    expect(listed.stdout).toMatch(/expiring/);
    for (const secret of [newKey, oldKey]) expect(listed.stdout).not.toContain(secret);

    const revoked = await cli('revoke', apiKeyId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`key ${apiKeyId}`);
    await waitFor('the revoked key to be refused', async () => (await answer(cached.baseUrl, newKey)) !== 'ok', 2_000);
    expect(await everywhere(newKey)).toEqual(['401 api_key_revoked', '401 api_key_revoked']);
    expect(await everywhere(oldKey)).toEqual(['ok', 'ok']);
  });

  it('refuses bad usage with exit code 2, and an unknown merchant or key with 1, changing nothing', async () => {
    expect((await cli('rotate')).code).toBe(2);
    expect((await cli('rotate', 'mch_x', '--overlap', 'soon')).code).toBe(2);
    expect(await cli('rotate', 'mch_unknown')).toMatchObject({ code: 1, stderr: 'no merchant mch_unknown\n' });
    expect(await cli('revoke', 'key_unknown')).toMatchObject({ code: 1, stderr: 'no API key key_unknown\n' });
  });
});
