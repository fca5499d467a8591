/**
 * The gateway's rate limits (per API key, per client address) and its memory of refused API keys, on the real
 * gateway and services: the 429 `rate_limited` answers and their headers, what each limit does and does not
 * count, and the database lookups a repeated wrong key costs. Each case starts a gateway of its own settings on one
 * stack; every request comes from 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { newId } from '@payment-ledger/contracts';
import { MerchantRepository } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { apiClient, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { sleep } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
const gateways: INestApplication[] = [];

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await stack?.stop();
  await db?.drop();
});

/** A gateway of these settings on the stack's services, closed after the file. */
async function gateway(env: Record<string, string>): Promise<{ app: INestApplication; baseUrl: string }> {
  const started = await stack.startGateway(env);
  gateways.push(started.app);
  return started;
}

/** A key of the shape keys are made in that no merchant has (a key of another shape is refused without a lookup). */
const wellFormedWrongKey = () => `sk_sandbox_${randomBytes(32).toString('base64url')}`;

/** A charge that does not exist: a request that passes authentication and is answered 404. */
const somePath = () => `/v1/payment-charges/${newId('charge')}`;

/** A 429 of either limit: the API's error shape, Retry-After and the RateLimit-* headers, a correlation id. */
function expectRateLimited(response: { status: number; body: unknown; headers: Headers }, limit: number): void {
  expect(response.status).toBe(429);
  expect(response.body).toEqual({
    status: 429,
    failureCode: 'rate_limited',
    failureMessage: expect.stringContaining('Too many requests'),
    timestamp: stack.clock.now().toISOString(),
  });
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(response.headers.get('ratelimit-limit')).toBe(String(limit));
  expect(response.headers.get('ratelimit-remaining')).toBe('0');
  expect(response.headers.get('ratelimit-reset')).toBe(retryAfter);
  expect(response.headers.get('x-correlation-id')).toBeTruthy();
}

describe('per API key', () => {
  // A rate of 1 a second: a batch sent at once cannot win a token back before it is all answered.
  const settings = {
    GATEWAY_RATE_LIMIT_PER_KEY: '1',
    GATEWAY_RATE_LIMIT_KEY_BURST: '5',
    GATEWAY_RATE_LIMIT_PER_ADDRESS: '1000',
    GATEWAY_RATE_LIMIT_ADDRESS_BURST: '1000',
  };

  it('refuses a key past its burst with 429 rate_limited, leaves other keys alone, and lets it in after Retry-After', async () => {
    const { baseUrl } = await gateway(settings);
    const shop = apiClient(baseUrl, (await stack.merchant('Busy Books')).apiKey);
    const other = apiClient(baseUrl, (await stack.merchant('Quiet Books')).apiKey);

    const burst = await Promise.all(Array.from({ length: 8 }, () => shop('GET', somePath())));
    expect(burst.map((r) => r.status).sort()).toEqual([404, 404, 404, 404, 404, 429, 429, 429]);
    const refused = burst.filter((r) => r.status === 429);
    for (const response of refused) expectRateLimited(response, 1);

    // Another merchant's key, from the same address, has its own bucket.
    const others = await Promise.all(Array.from({ length: 5 }, () => other('GET', somePath())));
    expect(others.map((r) => r.status)).toEqual([404, 404, 404, 404, 404]);

    await sleep(Number(refused[0].headers.get('retry-after')) * 1000);
    expect((await shop('GET', somePath())).status).toBe(404);
  });

  it('is off when its rate is 0', async () => {
    const { baseUrl } = await gateway({ ...settings, GATEWAY_RATE_LIMIT_PER_KEY: '0' });
    const shop = apiClient(baseUrl, (await stack.merchant('Unlimited Books')).apiKey);
    const statuses = await Promise.all(Array.from({ length: 20 }, () => shop('GET', somePath())));
    expect(new Set(statuses.map((r) => r.status))).toEqual(new Set([404]));
  });
});

describe('per client address', () => {
  /**
   * Plain fetch, not apiClient: apiClient fetches the API document from the gateway under test on first use, and
   * that request would spend one of the address's requests the test counts.
   */
  const call = async (baseUrl: string, path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as unknown, headers: response.headers };
  };

  it('refuses an address past its burst before looking at the key, never the health probes, and lets it in after Retry-After', async () => {
    const { baseUrl } = await gateway({
      GATEWAY_RATE_LIMIT_PER_ADDRESS: '1',
      GATEWAY_RATE_LIMIT_ADDRESS_BURST: '5',
      GATEWAY_RATE_LIMIT_PER_KEY: '0',
    });
    const wrongKey = { authorization: `Bearer ${wellFormedWrongKey()}` };
    const shopKey = { authorization: `Bearer ${(await stack.merchant('Crowded Books')).apiKey}` };

    const flood = await Promise.all(Array.from({ length: 8 }, () => call(baseUrl, somePath(), wrongKey)));
    expect(flood.map((r) => r.status).sort()).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    for (const refused of flood.filter((r) => r.status === 429)) expectRateLimited(refused, 1);

    // The address is out of requests, whatever the key or the route; the 429 echoes the caller's correlation id.
    const refused = await call(baseUrl, somePath(), { ...shopKey, 'X-Correlation-Id': 'probe-429' });
    expectRateLimited(refused, 1);
    expect(refused.headers.get('x-correlation-id')).toBe('probe-429');
    expectRateLimited(await call(baseUrl, '/v1/nothing-here', shopKey), 1);

    // Kubernetes probes are never limited.
    for (const path of ['/health/live', '/health/ready', '/health/live', '/health/ready', '/health/live']) {
      expect((await call(baseUrl, path)).status).toBe(200);
    }

    await sleep(Number(refused.headers.get('retry-after')) * 1000);
    expect((await call(baseUrl, somePath(), shopKey)).status).toBe(404);
  });
});

describe('refused API keys', () => {
  it('are remembered: 50 requests with one wrong key cost one lookup, and a valid key still works', async () => {
    const { app, baseUrl } = await gateway({ API_KEY_NEGATIVE_CACHE_TTL_MS: '60000', API_KEY_CACHE_TTL_MS: '60000' });
    const lookups = jest.spyOn(app.get(MerchantRepository), 'findByApiKey');
    const shop = apiClient(baseUrl, (await stack.merchant('Careful Books')).apiKey);
    const wrongKey = apiClient(baseUrl, wellFormedWrongKey());

    // Together (they share one query) and one after another (they find the refusal remembered).
    const together = await Promise.all(Array.from({ length: 25 }, () => wrongKey('GET', somePath())));
    const oneByOne = [];
    for (let i = 0; i < 25; i++) oneByOne.push(await wrongKey('GET', somePath()));
    for (const response of [...together, ...oneByOne]) {
      expect(response).toMatchObject({ status: 401, body: { failureCode: 'invalid_api_key' } });
    }
    expect(lookups).toHaveBeenCalledTimes(1);

    // Another wrong key is looked up once too.
    await apiClient(baseUrl, wellFormedWrongKey())('GET', somePath());
    expect(lookups).toHaveBeenCalledTimes(2);

    // A valid key is let in, looked up once (verified keys are remembered too).
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await shop('GET', somePath())).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404]);
    expect(lookups).toHaveBeenCalledTimes(3);
  });
});
