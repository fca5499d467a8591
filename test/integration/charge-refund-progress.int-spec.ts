/**
 * The charge records its refunds and chargebacks: refund events appended to a real `refund:<chargeId>` stream (as the
 * refunds service writes them) are published to Kafka by the stack's refunds service's relay, consumed by the charges service's
 * `charges-refund-progress` consumer and recorded on the charge's own stream; `GET /v1/payment-charges/{id}` shows
 * `refunds[]`, `chargebacks[]`, the status and the history moving with them. Real PostgreSQL and Kafka.
 */
import {
  type ChargeFailure,
  newId,
  type PaymentChargeResource,
  type RefundEvent,
  REFUND_EVENT_SCHEMA_VERSIONS,
  refundStreamId,
} from '@payment-ledger/contracts';
import { PostgresEventStore } from '@payment-ledger/event-store';
import type { EventEnvelope } from '@payment-ledger/messaging';
import { ChargeRepository } from '../../apps/charges/src/application/charge-repository';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { ChargeRefundProgressConsumer } from '../../apps/charges/src/infrastructure/charge-refund-progress.consumer';
import { apiClient, PaymentStack, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let store: PostgresEventStore;
let api: ReturnType<typeof apiClient>;
let merchantId: string;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
  const { merchant, apiKey } = await stack.merchant('Acme Books');
  merchantId = merchant.id;
  api = apiClient(stack.baseUrl, apiKey);
  store = new PostgresEventStore(db.pool);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

/** A charge of 10.00 USD the consumer approved: authorized and captured at once (status CAPTURED). */
async function capturedCharge(): Promise<PaymentChargeResource> {
  const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
  expect(created.status).toBe(201);
  const token = new URL(created.body.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
  await stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: created.body.id, token, decision: 'APPROVE', correlationId: 'test' });
  const charge = await getCharge(created.body.id);
  expect(charge.status).toBe('CAPTURED');
  return charge;
}

const getCharge = async (chargeId: string): Promise<PaymentChargeResource> => {
  const response = await api('GET', `/v1/payment-charges/${chargeId}`);
  expect(response.status).toBe(200);
  return response.body;
};

async function waitForCharge(
  chargeId: string,
  what: string,
  check: (charge: PaymentChargeResource) => boolean,
): Promise<PaymentChargeResource> {
  let last: PaymentChargeResource | undefined;
  await waitFor(`${chargeId}: ${what}`, async () => check((last = await getCharge(chargeId))), 30_000);
  return last!;
}

/** Appends refund events to the charge's `refund` stream, as the refunds service records them. */
async function recordRefundEvents(
  chargeId: string,
  events: RefundEvent[],
  correlationId = 'corr-refunds',
): Promise<void> {
  await store.append(
    refundStreamId(chargeId),
    'any',
    events.map((event) => ({
      ...event,
      schemaVersion: REFUND_EVENT_SCHEMA_VERSIONS[event.type],
      metadata: { correlationId, merchantId, actor: `merchant:${merchantId}` },
    })),
  );
}

const AT = '2026-03-01T12:05:00.000Z';
const requested = (chargeId: string, refundId: string, value: number): RefundEvent => ({
  type: 'RefundRequested',
  data: {
    at: AT,
    refundId,
    chargeId,
    merchantId,
    paymentMethod: 'AMAZON_PAY',
    amount: { value, currency: 'USD' },
    reason: 'item returned',
    merchantRefundReference: null,
    simulationCode: null,
  },
});
const succeeded = (refundId: string, amount: number): RefundEvent => ({
  type: 'RefundSucceeded',
  data: { at: AT, refundId, amount, providerReference: `S01-R-${refundId}` },
});
const DECLINED: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'refund_declined',
  providerFailureCode: 'RefundDeclined',
  failureMessage: 'Amazon Pay declined the refund',
  isRetryable: false,
};
const refundStatuses = (charge: PaymentChargeResource) => charge.refunds.map((r) => `${r.id}:${r.status}`).join(',');
const historyOf = (charge: PaymentChargeResource) => charge.history.map((h) => h.status);

it('shows refunds as the refunds service records them: REFUND_PROCESSING, back to CAPTURED, then REFUNDED', async () => {
  const { id: chargeId } = await capturedCharge();
  const [refundA, refundB] = [newId('refund'), newId('refund')];

  await recordRefundEvents(chargeId, [requested(chargeId, refundA, 300)], 'corr-refund-a');
  const pending = await waitForCharge(chargeId, 'the first refund pending', (c) => c.status === 'REFUND_PROCESSING');
  expect(pending.refunds).toEqual([
    {
      id: refundA,
      amount: 300,
      status: 'REFUND_PENDING',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    },
  ]);

  // The provider settles it later (RefundPending changes nothing on the charge), then succeeds.
  await recordRefundEvents(chargeId, [
    {
      type: 'RefundPending',
      data: { at: AT, refundId: refundA, amount: 300, providerReference: 'S01-R-A', checkAfter: AT },
    },
    succeeded(refundA, 300),
  ]);
  const partly = await waitForCharge(
    chargeId,
    'the first refund succeeded',
    (c) => c.refunds[0]?.status === 'SUCCEEDED',
  );
  expect(partly.status).toBe('CAPTURED');

  await recordRefundEvents(chargeId, [requested(chargeId, refundB, 700), succeeded(refundB, 700)]);
  const refunded = await waitForCharge(chargeId, 'fully refunded', (c) => c.status === 'REFUNDED');
  expect(refundStatuses(refunded)).toBe(`${refundA}:SUCCEEDED,${refundB}:SUCCEEDED`);
  expect(historyOf(refunded)).toEqual([
    'AUTHENTICATION_PENDING',
    'AUTHORIZATION_PROCESSING',
    'CAPTURE_PROCESSING',
    'CAPTURED',
    'REFUND_PROCESSING',
    'CAPTURED',
    'REFUND_PROCESSING',
    'REFUNDED',
  ]);

  // Each step recorded once on the charge's own stream, by the system for the refunds service.
  const { rows } = await db.pool.query(
    `SELECT event_type, metadata FROM events WHERE stream_id = $1 AND event_type LIKE 'ChargeRefund%'
      ORDER BY stream_version`,
    [`charge:${chargeId}`],
  );
  expect(rows.map((r) => r.event_type)).toEqual([
    'ChargeRefundPending',
    'ChargeRefundSucceeded',
    'ChargeRefundPending',
    'ChargeRefundSucceeded',
  ]);
  const refundEvents = await store.readStream(refundStreamId(chargeId), 1);
  expect(rows[0].metadata).toMatchObject({
    actor: 'refunds',
    correlationId: 'corr-refund-a',
    causationId: refundEvents[0].eventId,
  });
  expect(rows[0].metadata.merchantId).toBeUndefined();
  // Steps consumed in one batch are one command, yet each recorded event names its own step as its cause.
  expect(rows.map((r) => r.metadata.causationId)).toEqual([0, 2, 3, 4].map((i) => refundEvents[i].eventId));
  expect(rows.slice(1).map((r) => r.metadata.correlationId)).toEqual(['corr-refunds', 'corr-refunds', 'corr-refunds']);

  // Kafka delivers at least once: the same events again record nothing.
  const version = (await store.readStream(`charge:${chargeId}`, 1)).length;
  await stack.charges
    .get(ChargeRefundProgressConsumer)
    .handleBatch(refundEvents.map((e) => ({ ...e, recordedAt: e.recordedAt.toISOString() })));
  expect((await store.readStream(`charge:${chargeId}`, 1)).length).toBe(version);
});

it('goes back to CAPTURED after a failed refund, and shows chargebacks with their amount, reason and outcome', async () => {
  const { id: chargeId } = await capturedCharge();
  const [refundC, chargebackId] = [newId('refund'), newId('chargeback')];
  await recordRefundEvents(chargeId, [
    {
      type: 'ChargebackOpened',
      data: {
        at: AT,
        chargebackId: chargebackId,
        chargeId,
        merchantId,
        amount: { value: 200, currency: 'USD' },
        reason: 'product not received',
      },
    },
    requested(chargeId, refundC, 800),
    { type: 'RefundFailed', data: { at: AT, refundId: refundC, amount: 800, failure: DECLINED } },
    { type: 'ChargebackResolved', data: { at: AT, chargebackId: chargebackId, amount: 200, outcome: 'WON' } },
  ]);
  const charge = await waitForCharge(chargeId, 'chargeback resolved', (c) => c.chargebacks[0]?.status === 'WON');
  expect(charge.status).toBe('CAPTURED');
  expect(refundStatuses(charge)).toBe(`${refundC}:FAILED`);
  expect(charge.chargebacks).toEqual([
    {
      id: chargebackId,
      amount: 200,
      status: 'WON',
      reason: 'product not received',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    },
  ]);
  expect(historyOf(charge).slice(-3)).toEqual(['CAPTURED', 'REFUND_PROCESSING', 'CAPTURED']);

  // The list read model (each charge's folded state) shows them too.
  const listed = (await api('GET', '/v1/payment-charges')).body.data as PaymentChargeResource[];
  expect(listed.find((c) => c.id === chargeId)).toMatchObject({
    status: 'CAPTURED',
    refunds: [{ id: refundC, status: 'FAILED' }],
    chargebacks: [{ id: chargebackId, status: 'WON' }],
  });
});

it('records on a charge written since the consumer last saw it (another replica before a rebalance)', async () => {
  const { id: chargeId } = await capturedCharge();
  const consumer = stack.charges.get(ChargeRefundProgressConsumer);
  const [refundA, refundB, refundC] = [newId('refund'), newId('refund'), newId('refund')];
  // Refund steps as the consumer receives them from Kafka (not appended here: nothing else consumes them).
  let position = 0;
  const envelopes = (...events: RefundEvent[]): EventEnvelope[] =>
    events.map((event) => ({
      ...event,
      eventId: newId('event'),
      schemaVersion: REFUND_EVENT_SCHEMA_VERSIONS[event.type],
      streamId: refundStreamId(chargeId),
      streamType: 'refund',
      streamVersion: ++position,
      globalPosition: position,
      recordedAt: AT,
      metadata: { correlationId: 'corr-replica' },
    }));
  // What another replica of the charges service records: the same command, by the repository, behind this
  // consumer's back.
  const elsewhere = (...events: RefundEvent[]) =>
    stack.charges
      .get(ChargeRepository)
      .execute(
        chargeId,
        { type: 'RecordRefundProgress', events },
        { merchantId: null, metadata: { actor: 'refunds' } },
      );

  await consumer.handleBatch(envelopes(requested(chargeId, refundA, 100)));
  await elsewhere(requested(chargeId, refundB, 200));
  // On what the consumer saw last, refund B is unknown (nothing to record): it reads what came since and records it.
  await consumer.handleBatch(envelopes(succeeded(refundB, 200)));
  await elsewhere(requested(chargeId, refundC, 300));
  // On what it saw last, refund A's success is recorded, and the append finds the charge moved on: decided again.
  await consumer.handleBatch(envelopes(succeeded(refundA, 100), succeeded(refundC, 300)));

  const charge = await getCharge(chargeId);
  expect(refundStatuses(charge)).toBe(`${refundA}:SUCCEEDED,${refundB}:SUCCEEDED,${refundC}:SUCCEEDED`);
  expect(charge.status).toBe('CAPTURED');
  const { rows } = await db.pool.query(
    `SELECT event_type, data->>'refundId' AS refund_id FROM events
      WHERE stream_id = $1 AND event_type LIKE 'ChargeRefund%' ORDER BY stream_version`,
    [`charge:${chargeId}`],
  );
  expect(rows.map((r) => `${r.event_type}:${r.refund_id}`)).toEqual([
    `ChargeRefundPending:${refundA}`,
    `ChargeRefundPending:${refundB}`,
    `ChargeRefundSucceeded:${refundB}`,
    `ChargeRefundPending:${refundC}`,
    `ChargeRefundSucceeded:${refundA}`,
    `ChargeRefundSucceeded:${refundC}`,
  ]);
});
