/**
 * SIGTERM under load, as a rolling deploy does it: merchants keep creating charges through the gateway while the
 * charges service, then the gateway, are sent SIGTERM and started again. Each must exit 0 within its deadline, having
 * drained (bootstrapService: exitOnShutdownSignal, createRpcService's close). Then nothing that got a 2xx is lost,
 * nothing is half-done: every request that failed is retried with its idempotency key until it succeeds, no key is
 * left claimed, and the charges in the event store are exactly the ones the merchants were answered with, once each.
 */
import { randomUUID } from 'node:crypto';
import { createMerchant } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { apiClient } from '../support/api-client';
import { e2eServiceEnv, freePorts, ServiceGroup } from '../support/e2e-harness';
import { TestDatabase } from '../support/test-database';

const WORKERS = 6;
const SHUTDOWN_TIMEOUT_MS = 15_000;

let db: TestDatabase;
let apiKey: string;
let gatewayUrl: string;
const services = new ServiceGroup();

beforeAll(async () => {
  try {
    db = await TestDatabase.create({ poolSize: 2 });
    ({ apiKey } = await createMerchant(db.pool, 'Rolling Deploys Ltd', 'SANDBOX'));
    services.mustNotLog('API key', apiKey);
    services.mustNotLog('consumer name', 'Pat Buyer');
    const [chargesPort, gatewayPort] = await freePorts(2);
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const shared = {
      ...e2eServiceEnv(db),
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
      SANDBOX_PUBLIC_URL: 'http://127.0.0.1:3999',
      CHARGES_TCP_HOST: '127.0.0.1',
      CHARGES_TCP_PORT: String(chargesPort),
      GATEWAY_RATE_LIMIT_PER_KEY: '0',
      GATEWAY_RATE_LIMIT_PER_ADDRESS: '0',
    };
    await services.start('charges', 'apps/charges/src/main.ts', shared);
    await services.start('gateway', 'apps/gateway/src/main.ts', {
      ...shared,
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_PORT: String(gatewayPort),
    });
  } catch (error) {
    services.printOutput();
    throw error;
  }
});

afterAll(async () => {
  await services.stopAll();
  await db?.drop();
  services.expectNoSecretsLogged(); // the shutdown and restart lines included
});

interface Attempt {
  key: string;
  body: object;
  /** The HTTP status, or 0 when no answer came (connection refused or reset while the gateway restarted). */
  status: number;
  chargeId?: string;
}

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  apiClient(gatewayUrl, apiKey)(method, path, body, headers);

async function createCharge(key: string, body: object): Promise<Attempt> {
  try {
    const response = await api('POST', '/v1/payment-charges', body, { 'Idempotency-Key': key });
    return { key, body, status: response.status, chargeId: response.body?.id };
  } catch {
    return { key, body, status: 0 };
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `count` more charges were answered 201 (the load runs on both sides of each restart). */
async function answeredMore(attempts: Attempt[], count: number): Promise<void> {
  const target = attempts.filter((a) => a.status === 201).length + count;
  for (let i = 0; i < 600 && attempts.filter((a) => a.status === 201).length < target; i++) await pause(50);
  expect(attempts.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(target);
}

services.test(
  'a SIGTERM to charges and then to the gateway, under load, loses no answered charge and leaves none half-made',
  async () => {
    const attempts: Attempt[] = [];
    let loading = true;
    const load = Array.from({ length: WORKERS }, async (_, worker) => {
      for (let n = 0; loading; n++) {
        const body = {
          paymentMethod: 'AMAZON_PAY',
          amount: { value: 1000 + worker * 100 + (n % 100), currency: 'USD' },
          consumer: { name: 'Pat Buyer', country: 'US' },
          authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }],
        };
        const attempt = await createCharge(randomUUID(), body);
        attempts.push(attempt);
        if (attempt.status !== 201) await pause(50); // a service is restarting: do not spin
      }
    });

    await answeredMore(attempts, 30);
    const charges = await services.stop('charges');
    expect(charges).toMatchObject({ code: 0, signal: null });
    expect(charges.output).toContain('charges.drained');
    expect(charges.output).toContain('charges.stopped');
    await services.restart('charges');
    await answeredMore(attempts, 30);

    const gateway = await services.stop('gateway');
    expect(gateway).toMatchObject({ code: 0, signal: null });
    expect(gateway.output).toContain('gateway.stopped');
    await services.restart('gateway');
    await answeredMore(attempts, 30);
    loading = false;
    await Promise.all(load);

    // While a service is down its callers are told so: 503 (or no answer while the gateway itself restarts).
    expect(new Set(attempts.map((a) => a.status))).toEqual(
      new Set(attempts.map((a) => a.status).filter((s) => [0, 201, 503].includes(s))),
    );

    // Every failed request, sent again with its key, now succeeds (the service finished or never began it).
    const final = new Map<string, string>();
    const succeeded = (a: Attempt) => a.status === 200 || a.status === 201;
    for (const attempt of attempts.filter(succeeded)) final.set(attempt.key, attempt.chargeId!);
    const failed = attempts.filter((a) => !succeeded(a));
    expect(failed.length).toBeGreaterThan(0); // the restarts were felt
    for (let i = 0; i < failed.length; i += 20) {
      await Promise.all(
        failed.slice(i, i + 20).map(async (attempt) => {
          let answer = await createCharge(attempt.key, attempt.body);
          for (let retry = 0; !succeeded(answer) && retry < 20; retry++) {
            await pause(100);
            answer = await createCharge(attempt.key, attempt.body);
          }
          expect(answer.status).toBeGreaterThanOrEqual(200);
          expect(answer.status).toBeLessThan(300);
          final.set(attempt.key, answer.chargeId!);
        }),
      );
    }
    // A key answered 2xx, sent again, gives the same charge: a 2xx is never taken back.
    for (const attempt of attempts.filter(succeeded).slice(0, 20)) {
      expect((await createCharge(attempt.key, attempt.body)).chargeId).toBe(attempt.chargeId);
    }

    // No key left claimed by a request that died half-way.
    const { rows: claimed } = await db.pool.query(
      `SELECT count(*)::int AS n FROM idempotency_keys WHERE state = 'in_flight'`,
    );
    expect(claimed[0].n).toBe(0);

    // The event store holds exactly the charges the merchants were answered with: none lost, none made twice.
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT DISTINCT data->>'chargeId' AS id FROM events WHERE stream_type = 'charge' AND stream_version = 1`,
    );
    const stored = rows.map((r) => r.id).sort();
    expect(new Set(final.values()).size).toBe(final.size);
    expect(stored).toEqual([...final.values()].sort());

    // And each answered charge reads back as created.
    for (const chargeId of [...final.values()].slice(-20)) {
      const read = await api('GET', `/v1/payment-charges/${chargeId}`);
      expect(read.status).toBe(200);
    }
  },
);
