/**
 * A refund whose service dies between the intent and the outcome (issue 16, point 4): the refunds service runs as its
 * own process, with a sandbox provider that holds its answer to a refund it has just made
 * (SANDBOX_REFUND_ANSWER_DELAY_MS). Once the intent is in the log and the refund in the provider's books, the process
 * is killed with SIGKILL (no shutdown hook, nothing written after), then started again: its provider retry makes the
 * same call with the same key, the provider replays its answer, and there is exactly one refund at the provider; the
 * refund ends SUCCEEDED and the charge REFUNDED. The charges service, the gateway and the sandbox page run as
 * processes too; the consumer's approval is the hosted page's form, posted without a browser.
 */
import { randomUUID } from 'node:crypto';
import { createMerchant } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { apiClient } from '../support/api-client';
import { e2eServiceEnv, freePorts, serviceAddresses, ServiceGroup } from '../support/e2e-harness';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

const services = new ServiceGroup();
/** A test whose failure comes with the services' output. */
const e2e = services.test.bind(services);
let db: TestDatabase;
let apiKey: string;
let gatewayUrl: string;
let sandboxOrigin: string;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
type Json = any;

beforeAll(async () => {
  try {
    db = await TestDatabase.create({ poolSize: 2 });
    ({ apiKey } = await createMerchant(db.pool, 'Acme Books', 'SANDBOX'));
    services.mustNotLog('API key', apiKey);
    const [chargesPort, refundsPort, gatewayPort, sandboxPort] = await freePorts(4);
    sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const shared = { ...e2eServiceEnv(db), ...serviceAddresses({ charges: chargesPort, refunds: refundsPort }) };
    await services.start('charges', 'apps/charges/src/main.ts', { ...shared, SANDBOX_PUBLIC_URL: sandboxOrigin });
    // One at a time: on a busy host, processes started together may each miss their start-up time.
    await services.start('refunds', 'apps/refunds/src/main.ts', {
      ...shared,
      SANDBOX_PUBLIC_URL: sandboxOrigin,
      // The provider makes each new refund at once and answers a minute later: the kill lands in between.
      SANDBOX_REFUND_ANSWER_DELAY_MS: '60000',
      REFUND_TIMER_POLL_MS: '200',
    });
    await services.start('gateway', 'apps/gateway/src/main.ts', {
      ...shared,
      ...serviceAddresses({ gateway: gatewayPort }),
    });
    await services.start('sandbox', 'apps/sandbox/src/main.ts', {
      ...shared,
      ...serviceAddresses({ sandbox: sandboxPort }),
    });
  } catch (error) {
    services.printOutput();
    throw error;
  }
}, 300_000);

afterAll(async () => {
  await services.stopAll();
  await db?.drop();
  services.expectNoSecretsLogged();
});

const api = (method: string, path: string, body?: unknown) =>
  apiClient(gatewayUrl, apiKey)(method, path, body, { 'request-idempotency-key': randomUUID() });

/** A charge of 1000 USD the consumer approved on the hosted page (its form, posted as the browser would): CAPTURED. */
async function capturedCharge(): Promise<string> {
  const created = await api('POST', '/v1/payment-charges', {
    paymentMethod: 'AMAZON_PAY',
    amount: { value: 1000, currency: 'USD' },
    consumer: { name: 'John Smith', country: 'US' },
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://shop.example/return' } }],
  });
  expect(created.status).toBe(201);
  const requestUrl = new URL(created.body.authenticationMethods[0].details.requestUrl);
  const token = requestUrl.searchParams.get('token') ?? '';
  services.mustNotLog('hosted-page token', token);
  const approved = await fetch(`${sandboxOrigin}${requestUrl.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, decision: 'APPROVE' }).toString(),
    redirect: 'manual',
  });
  expect(approved.status).toBe(303);
  const charge = await api('GET', `/v1/payment-charges/${created.body.id}`);
  expect(charge.body.status).toBe('CAPTURED');
  return created.body.id as string;
}

const refundEvents = async (chargeId: string) =>
  (
    await db.pool.query<{ event_type: string; data: Json }>(
      'SELECT event_type, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`refund:${chargeId}`],
    )
  ).rows;

const providerRefunds = async (chargeId: string) =>
  (
    await db.pool.query<{ refund_id: string; amount: string; state: string }>(
      'SELECT refund_id, amount, state FROM amazon_pay_sandbox_refunds WHERE charge_id = $1',
      [chargeId],
    )
  ).rows.map((r) => ({ refundId: r.refund_id, amount: Number(r.amount), state: r.state }));

e2e(
  'the refunds service killed between the intent and the outcome: one refund at the provider, SUCCEEDED',
  async () => {
    const chargeId = await capturedCharge();

    // The whole captured amount; the answer never comes from this process (it is killed while the provider holds it).
    const inFlight = fetch(`${gatewayUrl}/v1/payment-charges/${chargeId}/refunds`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'request-idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ reason: 'crash test' }),
    }).then(
      (response) => response.status,
      () => 0,
    );

    // The intent is in the log and the refund in the provider's books; its outcome is not recorded.
    await waitFor(
      'the refund intent in the log and the refund at the provider',
      async () =>
        (await refundEvents(chargeId)).some((e) => e.event_type === 'RefundRequested') &&
        (await providerRefunds(chargeId)).length === 1,
      20_000,
    );
    const [intent] = (await refundEvents(chargeId)).filter((e) => e.event_type === 'RefundRequested');
    const refundId: string = intent.data.refundId;
    expect((await refundEvents(chargeId)).map((e) => e.event_type)).toEqual(['RefundRequested']);

    await services.kill('refunds');
    // The merchant got no refund from the dead process (the gateway answers an error, or the connection is cut).
    expect(await inFlight).not.toBe(201);
    expect((await refundEvents(chargeId)).map((e) => e.event_type)).toEqual(['RefundRequested']);

    await services.restart('refunds');
    // The provider retry (due PROVIDER_RETRY_AFTER_MS after the intent) makes the same call with the same key.
    let refund: Json;
    await waitFor(
      'the refund to be SUCCEEDED after the restart',
      async () => {
        refund = (await api('GET', `/v1/refunds/${refundId}`)).body;
        return refund.status === 'SUCCEEDED';
      },
      30_000,
    );
    expect(refund).toMatchObject({ id: refundId, paymentChargeId: chargeId, amount: 1000, status: 'SUCCEEDED' });
    expect(await providerRefunds(chargeId)).toEqual([{ refundId, amount: 1000, state: 'Refunded' }]);
    expect((await refundEvents(chargeId)).map((e) => e.event_type)).toEqual(['RefundRequested', 'RefundSucceeded']);

    let charge: Json;
    await waitFor(
      'the charge to be REFUNDED',
      async () => {
        charge = (await api('GET', `/v1/payment-charges/${chargeId}`)).body;
        return charge.status === 'REFUNDED';
      },
      20_000,
    );
    expect(charge.refunds).toEqual([expect.objectContaining({ id: refundId, amount: 1000, status: 'SUCCEEDED' })]);
    // Nothing is left to refund, by the service's books and the provider's.
    const more = await api('POST', `/v1/payment-charges/${chargeId}/refunds`, { amount: 1 });
    expect(more.status).toBe(409);
    expect(more.body.failureCode).toBe('amount_exceeds_refundable');
    expect(await providerRefunds(chargeId)).toHaveLength(1);
  },
);
