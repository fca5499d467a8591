/**
 * The payment provider's notifications coming in (issue 17, point 7): the sandbox announces a delayed refund's
 * settlement with a signed Amazon Pay IPN to the gateway's `POST /v1/provider-notifications/amazon-pay`, the webhooks
 * service deduplicates it by NotificationId and has the refunds service ask the provider and record the outcome: no
 * refund timer runs. Forged, unsigned and malformed notifications are refused; one naming another merchant records
 * nothing. Real PostgreSQL and Kafka, the services in this process (PaymentStack).
 */
import { randomUUID } from 'node:crypto';
import type { ProviderNotification } from '@payment-ledger/contracts';
import {
  type AmazonPaySandboxProvider,
  amazonPayNotificationBody,
  PAYMENT_METHOD_PROVIDER,
  SANDBOX_NOTIFICATION_SIGNATURE_HEADER,
  signSandboxNotification,
} from '@payment-ledger/payment-methods';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { apiClient, PaymentStack, SEED_001_CHARGE } from '../support/payment-stack';
import { TEST_SANDBOX_SIGNING_SECRET } from '../support/rpc-secrets';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/**
 * How long the sandbox keeps a RefundDelayed refund and an AuthorizationInitiated authorization pending (real time:
 * its notification is sent after it).
 */
const REFUND_DELAY_MS = 1_000;
const ROUTE = '/v1/provider-notifications/amazon-pay';

let db: TestDatabase;
let stack: PaymentStack;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, {
    providerNotifications: true,
    env: {
      SANDBOX_ASYNC_REFUND_DELAY_MS: String(REFUND_DELAY_MS),
      SANDBOX_ASYNC_AUTHORIZATION_DELAY_MS: String(REFUND_DELAY_MS),
    },
  }).start();
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

type Api = ReturnType<typeof apiClient>;

async function merchantApi(name: string): Promise<{ api: Api; merchantId: string }> {
  const { apiKey, merchant } = await stack.merchant(name);
  return { api: apiClient(stack.baseUrl, apiKey), merchantId: merchant.id };
}

/** A captured charge of seed 001 (1000 USD cents, automatic capture), approved on the hosted page. */
async function capturedCharge(api: Api): Promise<string> {
  const charge = (await api('POST', '/v1/payment-charges', SEED_001_CHARGE)).body;
  const token = new URL(charge.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
  await stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: charge.id, token, decision: 'APPROVE', correlationId: 'provider-notifications' });
  expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('CAPTURED');
  return charge.id;
}

/** A refund the sandbox settles later (RefundDelayed), and the provider's reference of it. */
async function delayedRefund(api: Api, chargeId: string): Promise<{ refundId: string; providerReference: string }> {
  const refund = await api(
    'POST',
    `/v1/payment-charges/${chargeId}/refunds`,
    { amount: 400 },
    { 'sandbox-simulation-code': 'RefundDelayed' },
  );
  expect(refund).toMatchObject({ status: 201, body: { status: 'REFUND_PENDING' } });
  const { rows } = await db.pool.query<{ provider_reference: string }>(
    'SELECT provider_reference FROM amazon_pay_sandbox_refunds WHERE refund_id = $1',
    [refund.body.id],
  );
  return { refundId: refund.body.id, providerReference: rows[0].provider_reference };
}

function ipn(fields: Partial<ProviderNotification> & Pick<ProviderNotification, 'MerchantID' | 'ObjectId'>): string {
  return amazonPayNotificationBody(
    {
      ObjectType: 'REFUND',
      ChargePermissionId: 'charge_00000000000000000000000000000000',
      NotificationType: 'STATE_CHANGE',
      NotificationId: randomUUID(),
      NotificationVersion: 'V1',
      ...fields,
    },
    new Date(),
  );
}

/** Posts a notification as the provider does: text/plain, no API key, signed (unless `signature` says otherwise). */
async function post(
  body: string,
  signature: string | null = signSandboxNotification(TEST_SANDBOX_SIGNING_SECRET, body),
) {
  const response = await fetch(`${stack.baseUrl}${ROUTE}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      ...(signature === null ? {} : { [SANDBOX_NOTIFICATION_SIGNATURE_HEADER]: signature }),
    },
    body,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  const answer: any = await response.json();
  return { status: response.status, body: answer };
}

async function refundEvents(chargeId: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ event_type: string }>(
    'SELECT event_type FROM events WHERE stream_id = $1 ORDER BY stream_version',
    [`refund:${chargeId}`],
  );
  return rows.map((r) => r.event_type);
}

it('a delayed refund settles through the sandbox’s notification, with no refund timer run', async () => {
  const { api } = await merchantApi('Notified Books');
  const chargeId = await capturedCharge(api);
  const { refundId, providerReference } = await delayedRefund(api, chargeId);

  // The test's clock never moves and no timer is run: only the IPN can settle it.
  await waitFor(
    'the refund settled by the notification',
    async () => (await api('GET', `/v1/refunds/${refundId}`)).body.status === 'SUCCEEDED',
    15_000,
  );
  expect(await refundEvents(chargeId)).toEqual(['RefundRequested', 'RefundPending', 'RefundSucceeded']);
  // The notification is marked handled once the refunds service has answered: a moment after the refund shows.
  const notifications = async () =>
    (
      await db.pool.query(
        'SELECT object_type, object_id, outcome, events FROM provider_notifications WHERE object_id = $1',
        [providerReference],
      )
    ).rows;
  await waitFor('the notification marked handled', async () => (await notifications())[0]?.outcome != null, 15_000);
  const rows = await notifications();
  expect(rows).toEqual([
    { object_type: 'REFUND', object_id: providerReference, outcome: 'RECORDED', events: ['RefundSucceeded'] },
  ]);
  await waitFor(
    'the charge to show it',
    async () => (await api('GET', `/v1/payment-charges/${chargeId}`)).body.refunds?.[0]?.status === 'SUCCEEDED',
    15_000,
  );
});

it('a pending (AuthorizationInitiated) authorization is decided through the sandbox’s notification, no timer run', async () => {
  const { api } = await merchantApi('Async Books');
  const charge = (
    await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'sandbox-simulation-code': 'AuthorizationInitiated' })
  ).body;
  const token = new URL(charge.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
  await stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: charge.id, token, decision: 'APPROVE', correlationId: 'provider-notifications' });
  expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body).toMatchObject({
    status: 'AUTHORIZATION_ASYNC',
    authorizations: [{ status: 'PENDING' }],
  });

  await waitFor(
    'the authorization decided by the notification',
    async () => (await api('GET', `/v1/payment-charges/${charge.id}`)).body.status === 'CAPTURED',
    15_000,
  );
  expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body).toMatchObject({
    authorizations: [{ status: 'AUTHORIZED' }],
    captures: [{ amount: 1000 }],
  });
  // The notification is marked handled once the charges service has answered: a moment after the charge shows it.
  const notifications = async () =>
    (
      await db.pool.query(
        `SELECT outcome, events FROM provider_notifications WHERE object_type = 'CHARGE' AND charge_permission_id = $1`,
        [charge.id],
      )
    ).rows;
  await waitFor('the notification marked handled', async () => (await notifications())[0]?.outcome != null, 15_000);
  expect(await notifications()).toEqual([
    { outcome: 'RECORDED', events: expect.arrayContaining(['ChargeAuthorized']) },
  ]);
});

it('records a NotificationId once: the same notification again is answered as a duplicate', async () => {
  const { api, merchantId } = await merchantApi('Twice Books');
  const chargeId = await capturedCharge(api);
  const { providerReference } = await delayedRefund(api, chargeId);
  // Past the refund's settlement for the provider, before the sandbox's own notification comes.
  stack.clock.advanceBy(REFUND_DELAY_MS);
  const body = ipn({ MerchantID: merchantId, ObjectId: providerReference, ChargePermissionId: chargeId });

  const first = await post(body);
  expect(first).toMatchObject({ status: 200, body: { duplicate: false, events: ['RefundSucceeded'] } });
  const again = await post(body);
  expect(again).toMatchObject({
    status: 200,
    body: { notificationId: first.body.notificationId, duplicate: true, events: ['RefundSucceeded'] },
  });
  const recorded = await refundEvents(chargeId);
  expect(recorded.filter((type) => type === 'RefundSucceeded')).toHaveLength(1);

  // The sandbox's own notification (another NotificationId) comes later and finds nothing left to record.
  await waitFor(
    'the sandbox’s notification',
    async () =>
      (
        await db.pool.query('SELECT 1 FROM provider_notifications WHERE object_id = $1 AND processed_at IS NOT NULL', [
          providerReference,
        ])
      ).rowCount === 2,
    15_000,
  );
  expect(await refundEvents(chargeId)).toEqual(recorded);
});

it('refuses an unsigned or forged notification and records nothing', async () => {
  const { api, merchantId } = await merchantApi('Forged Books');
  const chargeId = await capturedCharge(api);
  const { refundId, providerReference } = await delayedRefund(api, chargeId);
  stack.clock.advanceBy(REFUND_DELAY_MS);
  const body = ipn({ MerchantID: merchantId, ObjectId: providerReference });

  expect(await post(body, null)).toMatchObject({
    status: 401,
    body: { failureCode: 'provider_notification_unsigned' },
  });
  const forged = signSandboxNotification('not-the-sandbox-secret-but-long-enough-to-look-real', body);
  expect(await post(body, forged)).toMatchObject({
    status: 403,
    body: { failureCode: 'provider_notification_forged' },
  });
  // Signed for another body.
  expect(await post(body, signSandboxNotification(TEST_SANDBOX_SIGNING_SECRET, `${body} `))).toMatchObject({
    status: 403,
  });
  expect((await api('GET', `/v1/refunds/${refundId}`)).body.status).toBe('REFUND_PENDING');
  const { rowCount } = await db.pool.query('SELECT 1 FROM provider_notifications WHERE object_id = $1', [
    providerReference,
  ]);
  expect(rowCount).toBe(0);
});

it('answers a malformed notification 400 with a failure code, never a 5xx', async () => {
  const message = (fields: object) => JSON.stringify({ Type: 'Notification', Message: JSON.stringify(fields) });
  const malformed = [
    'not json',
    '[]',
    JSON.stringify({ Type: 'Notification' }),
    JSON.stringify({ Message: { MerchantID: 'mch_1' } }),
    JSON.stringify({ Message: 'not json either' }),
    message({ MerchantID: 'mch_1', ObjectType: 'REFUND', ObjectId: 'x' }),
    message({
      MerchantID: 'mch_1',
      ObjectType: 'INVOICE',
      ObjectId: 'x',
      ChargePermissionId: 'y',
      NotificationType: 'STATE_CHANGE',
      NotificationId: randomUUID(),
      NotificationVersion: 'V1',
    }),
    '',
  ];
  for (const body of malformed) {
    const answer = await post(body);
    expect([body, answer.status, answer.body.failureCode]).toEqual([body, 400, 'invalid_provider_notification']);
  }
  // JSON is not how the provider sends it: refused as a media type.
  const json = await fetch(`${stack.baseUrl}${ROUTE}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ Message: '{}' }),
  });
  expect(json.status).toBe(415);
  // text/plain is taken on this route only.
  const elsewhere = await fetch(`${stack.baseUrl}/v1/payment-charges`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  expect(elsewhere.status).toBe(415);
});

it('a notification naming another merchant than the refund’s records nothing for either', async () => {
  const owner = await merchantApi('Owner Books');
  const other = await merchantApi('Other Books');
  const chargeId = await capturedCharge(owner.api);
  const { refundId, providerReference } = await delayedRefund(owner.api, chargeId);
  // The provider would answer Refunded if asked: only the merchant check stands in the way.
  stack.clock.advanceBy(REFUND_DELAY_MS);

  const wrong = await post(ipn({ MerchantID: other.merchantId, ObjectId: providerReference }));
  expect(wrong).toMatchObject({ status: 200, body: { duplicate: false, events: [] } });
  const { rows } = await db.pool.query('SELECT outcome FROM provider_notifications WHERE notification_id = $1', [
    wrong.body.notificationId,
  ]);
  expect(rows).toEqual([{ outcome: 'NOT_FOUND' }]);
  expect(await refundEvents(chargeId)).toEqual(['RefundRequested', 'RefundPending']);
  expect((await owner.api('GET', `/v1/refunds/${refundId}`)).body.status).toBe('REFUND_PENDING');
  expect((await other.api('GET', `/v1/refunds/${refundId}`)).status).toBe(404);
  // An object the provider does not have: nothing either.
  const unknown = await post(ipn({ MerchantID: owner.merchantId, ObjectId: 'refund-ref-unknown' }));
  expect(unknown).toMatchObject({ status: 200, body: { events: [] } });
});

/**
 * Chargebacks through the provider's notifications: the sandbox provider keeps its chargebacks (as Amazon Pay does)
 * and announces each with an IPN (ObjectType CHARGEBACK); the refunds service asks it (Get Chargeback) and records
 * ChargebackOpened / ChargebackResolved on the charge's refund stream. Raised here at the provider itself (standing in
 * for the consumer's bank), never through the gateway's sandbox routes.
 */
describe('chargebacks notified by the provider', () => {
  const sandbox = () => stack.refunds!.get<symbol, AmazonPaySandboxProvider>(PAYMENT_METHOD_PROVIDER);
  const newChargebackId = () => `cb_${randomUUID().replace(/-/g, '')}`;

  async function chargebackOf(api: Api, chargeId: string) {
    return (await api('GET', `/v1/payment-charges/${chargeId}`)).body.chargebacks?.[0];
  }

  it('a chargeback raised and then resolved at the provider reaches the charge through its notifications', async () => {
    const { api, merchantId } = await merchantApi('Disputed Books');
    const chargeId = await capturedCharge(api);
    const chargebackId = newChargebackId();
    const raised = await sandbox().raiseChargeback({
      chargeId,
      chargebackId,
      amount: { value: 300, currency: 'USD' },
      reason: 'product not received',
      now: new Date(),
      merchantId,
    });
    expect(raised).toMatchObject({ state: 'OPEN', chargeId, chargebackId });

    await waitFor(
      'the chargeback shown on the charge',
      async () => (await chargebackOf(api, chargeId)) != null,
      15_000,
    );
    expect(await chargebackOf(api, chargeId)).toMatchObject({ id: chargebackId, amount: 300, status: 'OPEN' });
    // While OPEN, its amount is not refundable: the provider's books and the stream's agree.
    expect((await api('POST', `/v1/payment-charges/${chargeId}/refunds`, { amount: 701 })).body.failureCode).toBe(
      'amount_exceeds_refundable',
    );

    await sandbox().resolveChargeback({ chargebackId, outcome: 'LOST', now: new Date(), merchantId });
    await waitFor(
      'the resolution shown on the charge',
      async () => (await chargebackOf(api, chargeId))?.status === 'LOST',
      15_000,
    );
    expect(await refundEvents(chargeId)).toEqual(['ChargebackOpened', 'ChargebackResolved']);
    const notifications = async () =>
      (
        await db.pool.query<{ outcome: string | null; events: string[] | null }>(
          `SELECT outcome, events FROM provider_notifications WHERE object_type = 'CHARGEBACK' AND object_id = $1`,
          [raised.providerReference],
        )
      ).rows;
    const handled = async () => {
      const rows = await notifications();
      return rows.length === 2 && rows.every((n) => n.outcome !== null);
    };
    await waitFor('both notifications handled', handled, 15_000);
    const rows = await notifications();
    expect(rows).toHaveLength(2);
    expect(rows).toEqual(
      expect.arrayContaining([
        { outcome: 'RECORDED', events: ['ChargebackOpened'] },
        { outcome: 'RECORDED', events: ['ChargebackResolved'] },
      ]),
    );
  });

  it('the provider refuses a chargeback above what is left of the charge after its refunds and chargebacks', async () => {
    const { api } = await merchantApi('Refunded Books');
    const chargeId = await capturedCharge(api);
    expect((await api('POST', `/v1/payment-charges/${chargeId}/refunds`, { amount: 600 })).status).toBe(201);
    const raise = (chargebackId: string, value: number) =>
      sandbox().raiseChargeback({
        chargeId,
        chargebackId,
        amount: { value, currency: 'USD' },
        reason: 'fraud',
        now: new Date(),
      });
    const [first, second] = [newChargebackId(), newChargebackId()];
    await expect(raise(first, 401)).rejects.toMatchObject({ code: 'amount_exceeds_refundable' });
    await expect(raise(first, 300)).resolves.toMatchObject({ state: 'OPEN' });
    await expect(raise(second, 101)).rejects.toMatchObject({ code: 'amount_exceeds_refundable' });
    // Won, it gives its amount back; decided, it is final.
    await sandbox().resolveChargeback({ chargebackId: first, outcome: 'WON', now: new Date() });
    await expect(
      sandbox().resolveChargeback({ chargebackId: first, outcome: 'LOST', now: new Date() }),
    ).rejects.toMatchObject({ code: 'chargeback_already_resolved' });
    await expect(raise(second, 400)).resolves.toMatchObject({ state: 'OPEN' });
  });

  it('records a chargeback notification once: the same NotificationId again is a duplicate', async () => {
    const { api, merchantId } = await merchantApi('Twice Disputed Books');
    const chargeId = await capturedCharge(api);
    // No merchant named: the sandbox sends no notification of its own; the test sends it.
    const raised = await sandbox().raiseChargeback({
      chargeId,
      chargebackId: newChargebackId(),
      amount: { value: 1000, currency: 'USD' },
      reason: 'fraud',
      now: new Date(),
    });
    const body = ipn({
      MerchantID: merchantId,
      ObjectType: 'CHARGEBACK',
      ObjectId: raised.providerReference,
      ChargePermissionId: chargeId,
      NotificationType: 'CHARGEBACK_OPENED',
    });
    const first = await post(body);
    expect(first).toMatchObject({ status: 200, body: { duplicate: false, events: ['ChargebackOpened'] } });
    expect(await post(body)).toMatchObject({
      status: 200,
      body: { notificationId: first.body.notificationId, duplicate: true, events: ['ChargebackOpened'] },
    });
    // Another notification of the same chargeback (another NotificationId) finds it recorded.
    const again = await post(
      ipn({ MerchantID: merchantId, ObjectType: 'CHARGEBACK', ObjectId: raised.providerReference }),
    );
    expect(again).toMatchObject({ status: 200, body: { duplicate: false, events: [] } });
    expect(await refundEvents(chargeId)).toEqual(['ChargebackOpened']);
  });

  it('a chargeback notification naming another merchant records nothing', async () => {
    const owner = await merchantApi('Disputed Owner Books');
    const other = await merchantApi('Disputed Other Books');
    const chargeId = await capturedCharge(owner.api);
    const raised = await sandbox().raiseChargeback({
      chargeId,
      chargebackId: newChargebackId(),
      amount: { value: 500, currency: 'USD' },
      reason: 'fraud',
      now: new Date(),
    });
    const wrong = await post(
      ipn({ MerchantID: other.merchantId, ObjectType: 'CHARGEBACK', ObjectId: raised.providerReference }),
    );
    expect(wrong).toMatchObject({ status: 200, body: { duplicate: false, events: [] } });
    const { rows } = await db.pool.query('SELECT outcome FROM provider_notifications WHERE notification_id = $1', [
      wrong.body.notificationId,
    ]);
    expect(rows).toEqual([{ outcome: 'NOT_FOUND' }]);
    expect(await refundEvents(chargeId)).toEqual([]);
    // A chargeback the provider does not have: nothing either.
    const unknown = await post(ipn({ MerchantID: owner.merchantId, ObjectType: 'CHARGEBACK', ObjectId: 'S01-B-none' }));
    expect(unknown).toMatchObject({ status: 200, body: { events: [] } });
  });
});
