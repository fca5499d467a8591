/**
 * Provider calls that are safe to retry, through the real gateway and charges service on real PostgreSQL and Kafka
 * with the stateful Amazon Pay sandbox: the intent is recorded first, the provider is called with a key derived
 * from it, and a call whose answer was lost (or never made, as after a crash) is made again by the durable retry
 * timer with the same key, so the provider moves the money once.
 */
import { PAYMENT_METHOD_PROVIDER, type AmazonPaySandboxProvider } from '@payment-ledger/payment-methods';
import { ChargeDeadlineFeed } from '../../apps/charges/src/application/charge-deadline.feed';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { PROVIDER_RETRY_AFTER_MS } from '../../apps/charges/src/domain/charge-deadlines';
import { apiClient, PaymentStack, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
  const { apiKey } = await stack.merchant('Acme Books');
  api = apiClient(stack.baseUrl, apiKey);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const provider = () => stack.charges.get<symbol, AmazonPaySandboxProvider>(PAYMENT_METHOD_PROVIDER);

async function approvedCharge(captureMethod: 'MANUAL' | 'AUTOMATIC') {
  const created = await api('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, captureMethod });
  expect(created.status).toBe(201);
  const charge = created.body;
  const token = new URL(charge.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
  await stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: charge.id, token, decision: 'APPROVE', correlationId: 'test' });
  return charge as { id: string };
}

const providerCaptures = async (chargeId: string) =>
  (
    await db.pool.query<{ operation_id: string; amount: string }>(
      `SELECT operation_id, amount FROM amazon_pay_sandbox_operations WHERE charge_id = $1 AND type = 'capture'`,
      [chargeId],
    )
  ).rows.map((r) => ({ captureId: r.operation_id, amount: Number(r.amount) }));

const eventTypes = async (chargeId: string) =>
  (
    await db.pool.query<{ event_type: string }>(
      'SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`charge:${chargeId}`],
    )
  ).rows.map((r) => r.event_type);

/**
 * Lets the retry of a charge's unanswered call come due and run. Its timer is read from the log, which a reader
 * follows only up to the safe position (no transaction still open before it), so the test first waits for it.
 */
async function retryDue(chargeId: string): Promise<void> {
  await waitFor('the retry timer read from the log', async () => {
    await stack.charges.get(ChargeDeadlineFeed).catchUp();
    const { rowCount } = await db.pool.query(
      `SELECT 1 FROM timers WHERE queue = 'charge-deadlines' AND key = $1 AND kind = 'provider_retry'`,
      [chargeId],
    );
    return (rowCount ?? 0) > 0;
  });
  stack.clock.advanceBy(PROVIDER_RETRY_AFTER_MS);
  await stack.runDueTimers();
}

describe('provider calls recorded as intents', () => {
  it('a capture whose answer was lost, then a crash: the retry makes it again with the same key, one provider capture', async () => {
    const charge = await approvedCharge('MANUAL');
    provider().loseNextAnswers(1, ['capture']);

    const capture = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 600 });
    expect(capture.status).toBe(201);
    expect(capture.body).toMatchObject({ amount: 600, status: 'PROCESSING' });
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('CAPTURE_PROCESSING');
    // The provider did the work; only its answer is missing from our log.
    expect(await providerCaptures(charge.id)).toEqual([{ captureId: capture.body.id, amount: 600 }]);

    await stack.restartCharges();
    await retryDue(charge.id);

    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.status).toBe('CAPTURED');
    expect(after.captures).toMatchObject([{ id: capture.body.id, amount: 600, status: 'CAPTURED' }]);
    expect(await providerCaptures(charge.id)).toEqual([{ captureId: capture.body.id, amount: 600 }]);
    expect(await eventTypes(charge.id)).toEqual([
      'ChargeCreated',
      'ChargeAuthenticationCompleted',
      'ChargeAuthorizationRequested',
      'ChargeAuthorized',
      'ChargeCaptureRequested',
      'ChargeCaptured',
    ]);
    // Nothing is left to retry, and running the timers again changes nothing anywhere.
    stack.clock.advanceBy(PROVIDER_RETRY_AFTER_MS);
    await stack.runDueTimers();
    expect(await providerCaptures(charge.id)).toHaveLength(1);
  });

  it('an authorization never made (the call failed before the provider did anything) is made by the retry', async () => {
    provider().failNextCalls(1, ['authorize']);
    const charge = await approvedCharge('AUTOMATIC');
    const pending = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(pending.status).toBe('AUTHORIZATION_PROCESSING');
    expect(pending.authorizations).toMatchObject([{ status: 'PROCESSING', amount: 1000 }]);
    expect(
      (await db.pool.query('SELECT 1 FROM amazon_pay_sandbox_charges WHERE charge_id = $1', [charge.id])).rowCount,
    ).toBe(0);

    await retryDue(charge.id);

    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.status).toBe('CAPTURED');
    expect(after.authorizations).toMatchObject([{ status: 'AUTHORIZED' }]);
    expect(after.captures).toMatchObject([{ amount: 1000, status: 'CAPTURED' }]);
    const { rows } = await db.pool.query<{ captured_amount: string }>(
      'SELECT captured_amount FROM amazon_pay_sandbox_charges WHERE charge_id = $1',
      [charge.id],
    );
    expect(rows.map((r) => Number(r.captured_amount))).toEqual([1000]);
  });

  it('a call that keeps failing stays pending and is asked again later, never twice at the provider', async () => {
    const charge = await approvedCharge('MANUAL');
    provider().failNextCalls(2, ['void']);
    const voided = await api('POST', `/v1/payment-charges/${charge.id}/voids`, {});
    expect(voided.body).toMatchObject({ status: 'PROCESSING', amount: 1000 });
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('VOID_PROCESSING');
    // Nothing can be captured while the void is under way.
    const capture = await api('POST', `/v1/payment-charges/${charge.id}/captures`, {});
    expect(capture).toMatchObject({ status: 409, body: { currentStatus: 'VOID_PROCESSING' } });

    await retryDue(charge.id); // fails again: rescheduled
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('VOID_PROCESSING');
    await retryDue(charge.id);
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.status).toBe('VOIDED');
    expect(after.voids).toMatchObject([{ id: voided.body.id, status: 'VOIDED', amount: 1000 }]);
    const { rows } = await db.pool.query(
      `SELECT 1 FROM amazon_pay_sandbox_operations WHERE charge_id = $1 AND type = 'void'`,
      [charge.id],
    );
    expect(rows).toHaveLength(1);
  });

  it('a capture with nothing left to capture is 409 before any provider call', async () => {
    const charge = await approvedCharge('MANUAL');
    expect((await api('POST', `/v1/payment-charges/${charge.id}/captures`, {})).status).toBe(201);
    const again = await api('POST', `/v1/payment-charges/${charge.id}/captures`, {});
    expect(again).toMatchObject({
      status: 409,
      body: { failureCode: 'nothing_to_capture', currentStatus: 'CAPTURED' },
    });
    expect(await providerCaptures(charge.id)).toHaveLength(1);
    expect((await eventTypes(charge.id)).filter((t) => t === 'ChargeCaptureRequested')).toHaveLength(1);
  });

  it('a capture the provider refuses is recorded as FAILED, not retried, and the amount is open again', async () => {
    const charge = await approvedCharge('MANUAL');
    // Someone released the authorization at the provider, outside this ledger.
    const { rows } = await db.pool.query<{ provider_reference: string }>(
      'SELECT provider_reference FROM amazon_pay_sandbox_charges WHERE charge_id = $1',
      [charge.id],
    );
    await provider().void({
      idempotencyKey: `outside-${charge.id}`,
      chargeId: charge.id,
      operationId: 'void_outside',
      authorizationReference: rows[0].provider_reference,
      amount: { value: 1000, currency: 'USD' },
    });

    const capture = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 500 });
    expect(capture.status).toBe(201);
    expect(capture.body).toMatchObject({ amount: 500, status: 'FAILED' });
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.status).toBe('CAPTURE_PENDING');
    expect(after.captures).toMatchObject([{ id: capture.body.id, status: 'FAILED' }]);
    expect(await providerCaptures(charge.id)).toEqual([]);
    expect((await eventTypes(charge.id)).slice(-2)).toEqual(['ChargeCaptureRequested', 'ChargeCaptureFailed']);
    // Nothing is left pending for a retry.
    await stack.charges.get(ChargeDeadlineFeed).catchUp();
    const retries = await db.pool.query(
      `SELECT 1 FROM timers WHERE queue = 'charge-deadlines' AND key = $1 AND kind = 'provider_retry'`,
      [charge.id],
    );
    expect(retries.rowCount).toBe(0);
  });
});
