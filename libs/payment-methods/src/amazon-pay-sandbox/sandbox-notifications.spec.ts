import { money } from '@payment-ledger/contracts';
import { AmazonPaySandboxProvider } from './amazon-pay-sandbox.provider';
import { InMemorySandboxProviderRecords } from './in-memory-sandbox-provider-records';
import {
  amazonPayNotificationBody,
  type SandboxNotice,
  signSandboxNotification,
  verifySandboxNotification,
} from './sandbox-notifications';

const SECRET = 'sandbox-notification-secret-of-enough-length';
const CHARGE_ID = 'charge_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
const MERCHANT_ID = 'merchant_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
const DELAY_MS = 30;

function sandboxNotifying() {
  const notices: SandboxNotice[] = [];
  const records = new InMemorySandboxProviderRecords();
  const provider = new AmazonPaySandboxProvider(
    {
      hostedPageBaseUrl: 'http://127.0.0.1:3002',
      signingSecret: SECRET,
      linkTtlMs: 30 * 60_000,
      asyncAuthorizationDelayMs: DELAY_MS,
      notifier: { notify: (notice) => notices.push(notice) },
    },
    records,
  );
  return { provider, records, notices };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the sandbox signature of a notification', () => {
  const body = amazonPayNotificationBody(
    {
      MerchantID: MERCHANT_ID,
      ObjectType: 'REFUND',
      ObjectId: 'refund-ref',
      ChargePermissionId: CHARGE_ID,
      NotificationType: 'STATE_CHANGE',
      NotificationId: 'n-1',
      NotificationVersion: 'V1',
    },
    new Date('2026-03-01T12:00:00Z'),
  );

  it('verifies the body it signed, and nothing else', () => {
    const signature = signSandboxNotification(SECRET, body);
    expect(verifySandboxNotification(SECRET, body, signature)).toBe(true);
    expect(verifySandboxNotification(SECRET, `${body} `, signature)).toBe(false);
    expect(verifySandboxNotification(`${SECRET}x`, body, signature)).toBe(false);
    expect(verifySandboxNotification(SECRET, body, null)).toBe(false);
    expect(verifySandboxNotification(SECRET, body, 'v1,short')).toBe(false);
  });

  it('carries the notification as a JSON string in Message, as SNS does', () => {
    const message = JSON.parse(JSON.parse(body).Message);
    expect(message).toMatchObject({ MerchantID: MERCHANT_ID, ObjectType: 'REFUND', NotificationId: 'n-1' });
  });
});

describe('the sandbox announcing its delayed outcomes', () => {
  async function capturedCharge(provider: AmazonPaySandboxProvider) {
    await provider.authorize({
      idempotencyKey: 'auth-1',
      chargeId: CHARGE_ID,
      authorizationId: 'auth_1',
      amount: money(1000, 'USD'),
      simulationCode: null,
      captureNow: { captureId: 'cap_1' },
      now: new Date(),
    });
  }

  it('settles a delayed refund once its delay has passed and names it in a notification', async () => {
    const { provider, records, notices } = sandboxNotifying();
    await capturedCharge(provider);
    const request = {
      idempotencyKey: 'refund_1',
      chargeId: CHARGE_ID,
      refundId: 'refund_1',
      amount: money(400, 'USD'),
      simulationCode: 'RefundDelayed' as const,
      now: new Date(),
      merchantId: MERCHANT_ID,
    };
    const outcome = await provider.refund(request);
    if (outcome.status !== 'PENDING') throw new Error(`expected PENDING, got ${outcome.status}`);
    await provider.refund(request); // a replay of the same key announces nothing more
    expect(notices).toEqual([]);
    await wait(DELAY_MS * 4);
    expect(notices).toEqual([
      {
        merchantId: MERCHANT_ID,
        objectType: 'REFUND',
        objectId: outcome.providerReference,
        chargePermissionId: CHARGE_ID,
      },
    ]);
    expect((await records.findRefund(outcome.providerReference))?.state).toBe('Refunded');
  });

  it('announces a pending authorization once decided, and nothing for a call naming no merchant', async () => {
    const { provider, notices } = sandboxNotifying();
    const pending = await provider.authorize({
      idempotencyKey: 'auth-async',
      chargeId: CHARGE_ID,
      authorizationId: 'auth_async',
      amount: money(1000, 'USD'),
      simulationCode: 'AuthorizationInitiated',
      captureNow: null,
      now: new Date(),
      merchantId: MERCHANT_ID,
    });
    await provider.authorize({
      idempotencyKey: 'auth-anonymous',
      chargeId: 'charge_0195a1b2c3d47e8f9a0b1c2d3e4f5a6c',
      authorizationId: 'auth_anonymous',
      amount: money(1000, 'USD'),
      simulationCode: 'AuthorizationInitiated',
      captureNow: null,
      now: new Date(),
    });
    await wait(DELAY_MS * 4);
    expect(notices).toEqual([
      {
        merchantId: MERCHANT_ID,
        objectType: 'CHARGE',
        objectId: pending.providerReference,
        chargePermissionId: CHARGE_ID,
      },
    ]);
  });
});
