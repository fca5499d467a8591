/**
 * Each of the fault suite auditor's checks passes on a consistent input and fails on the same input tampered with:
 * a check that cannot fail proves nothing.
 */
import type { SucceededOperation, UnsettledOperation } from '../support/load-mix';
import type { WebhookReceipt } from '../support/webhook-receiver';
import {
  checkBillingPeriods,
  checkCaptures,
  checkEventLog,
  checkLedger,
  checkReadModels,
  checkRefunds,
  checkRequestsReflected,
  checkWebhooks,
  type LogEvent,
  type MerchantEventRow,
} from './audit-checks';

const ev = (streamId: string, streamVersion: number, type: string, data: object): LogEvent => ({
  streamId,
  streamVersion,
  type,
  data,
});

const usd = (value: number) => ({ value, currency: 'USD' });

/** A consistent log: a MANUAL charge authorized 1000, captured 600, refunded 300, a chargeback of 200 WON; an agreement. */
function log(): LogEvent[] {
  return [
    ev('charge:c1', 1, 'ChargeCreated', { chargeId: 'c1', amount: usd(1000), agreementId: null }),
    ev('charge:c1', 2, 'ChargeAuthenticationCompleted', {}),
    ev('charge:c1', 3, 'ChargeAuthorized', { amount: 1000 }),
    ev('charge:c1', 4, 'ChargeCaptureRequested', { captureId: 'cap1', amount: 600 }),
    ev('charge:c1', 5, 'ChargeCaptured', { captureId: 'cap1', amount: 600 }),
    ev('refund:c1', 1, 'RefundRequested', { refundId: 'r1', amount: usd(300) }),
    ev('refund:c1', 2, 'ChargebackOpened', { chargebackId: 'cb1', amount: usd(300) }),
    ev('refund:c1', 3, 'ChargebackResolved', { chargebackId: 'cb1', amount: 300, outcome: 'WON' }),
    ev('refund:c1', 4, 'RefundRequested', { refundId: 'r2', amount: usd(300) }),
    ev('agreement:a1', 1, 'AgreementCreated', {}),
    ev('agreement:a1', 2, 'AgreementActivated', {}),
    ev('agreement:a1', 3, 'AgreementChargeRequested', { chargeId: 'c2', initiator: 'MERCHANT' }),
    ev('charge:c2', 1, 'ChargeCreated', { chargeId: 'c2', amount: usd(500), agreementId: 'a1' }),
    ev('billing-schedule:a1', 1, 'BillingScheduleStarted', { firstPeriodIndex: 1 }),
    ev('billing-schedule:a1', 2, 'BillingPeriodChargeRequested', { periodIndex: 1, attempt: 1, chargeId: 'c3' }),
    ev('charge:c3', 1, 'ChargeCreated', { chargeId: 'c3', amount: usd(1500), agreementId: 'a1' }),
    ev('charge:c3', 2, 'ChargeAuthorized', { amount: 1500 }),
    ev('charge:c3', 3, 'ChargeCaptured', { captureId: 'cap3', amount: 1500 }),
    ev('billing-schedule:a1', 3, 'BillingPeriodPaid', { periodIndex: 1, chargeId: 'c3' }),
  ];
}

const op = (kind: SucceededOperation['kind'], id: string, parentId: string | null = null, key = `k-${id}`) =>
  ({ kind, idempotencyKey: key, id, parentId, amount: null, status: 201, latencyMs: 1, at: 0 }) as SucceededOperation;

function ops(): SucceededOperation[] {
  return [
    op('createCharge', 'c1'),
    op('approveCharge', 'c1'),
    op('capture', 'cap1', 'c1'),
    op('refund', 'r1', 'c1'),
    op('refund', 'r2', 'c1'),
    op('chargeback', 'cb1', 'c1'),
    op('createAgreement', 'a1'),
    op('approveAgreement', 'a1'),
    op('chargeAgreement', 'c2', 'a1'),
  ];
}

describe('requests reflected once', () => {
  it('holds when each 2xx is in the log once', () => {
    expect(checkRequestsReflected(ops(), [], log())).toEqual([]);
  });

  it('fails on a 2xx the log lacks', () => {
    const tampered = log().filter((e) => !(e.type === 'RefundRequested' && e.data.refundId === 'r2'));
    expect(checkRequestsReflected(ops(), [], tampered)).toEqual([
      expect.objectContaining({ detail: expect.stringContaining('refund r2 answered 201, but the log has no') }),
    ]);
  });

  it('fails on an object recorded twice', () => {
    const tampered = [...log(), ev('charge:c1', 6, 'ChargeCaptureRequested', { captureId: 'cap1', amount: 600 })];
    expect(checkRequestsReflected(ops(), [], tampered)[0].detail).toContain('2 ChargeCaptureRequested events');
  });

  it('fails on an object no request explains, unless a request went unanswered', () => {
    const extra = [
      ...log(),
      ev('charge:c9', 1, 'ChargeCreated', { chargeId: 'c9', amount: usd(1), agreementId: null }),
    ];
    expect(checkRequestsReflected(ops(), [], extra)[0].detail).toContain('1 one-time charges in the log that no 2xx');
    const unanswered: UnsettledOperation[] = [
      { kind: 'createCharge', idempotencyKey: 'k', parentId: null, reason: 'no answer' },
    ];
    expect(checkRequestsReflected(ops(), unanswered, extra)).toEqual([]);
  });

  it('fails when one idempotency key answered with two ids', () => {
    const twice = [...ops(), op('createCharge', 'c2', null, 'k-c1')];
    expect(checkRequestsReflected(twice, [], log()).map((v) => v.detail)).toContainEqual(
      expect.stringContaining('idempotency key k-c1 answered 2xx with c1 and with c2'),
    );
  });
});

describe('captured within authorized', () => {
  it('holds on the consistent log', () => expect(checkCaptures(log())).toEqual([]));

  it('fails when more is captured than authorized', () => {
    const tampered = [...log(), ev('charge:c1', 6, 'ChargeCaptured', { captureId: 'cap2', amount: 401 })];
    expect(checkCaptures(tampered)[0].detail).toContain('captured 1001 of 1000 authorized');
  });

  it('fails when one capture is recorded twice', () => {
    const tampered = [...log(), ev('charge:c1', 6, 'ChargeCaptured', { captureId: 'cap1', amount: 100 })];
    expect(checkCaptures(tampered)[0].detail).toContain('capture cap1 recorded twice');
  });
});

describe('refunds+chargebacks within captured', () => {
  it('holds on the consistent log (a chargeback won gives its amount back)', () =>
    expect(checkRefunds(log())).toEqual([]));

  it('fails when refunds and open chargebacks take more than was captured, at any point', () => {
    const tampered = log().map((e) =>
      e.type === 'ChargebackResolved' ? { ...e, data: { ...e.data, outcome: 'LOST' } } : e,
    );
    expect(checkRefunds(tampered)[0].detail).toContain('take 900 of 600 captured at version 4');
  });

  it('fails when a refund is requested twice', () => {
    const tampered = [...log(), ev('refund:c1', 5, 'RefundRequested', { refundId: 'r1', amount: usd(1) })];
    expect(checkRefunds(tampered).map((v) => v.detail)).toContainEqual(
      expect.stringContaining('refund r1 requested twice'),
    );
  });
});

describe('billing period charged once', () => {
  it('holds on the consistent log', () => expect(checkBillingPeriods(log())).toEqual([]));

  it('fails when a period is captured by two charges', () => {
    const tampered = [
      ...log(),
      ev('billing-schedule:a1', 4, 'BillingPeriodChargeRequested', { periodIndex: 1, attempt: 2, chargeId: 'c4' }),
      ev('charge:c4', 1, 'ChargeCreated', { chargeId: 'c4', amount: usd(1500), agreementId: 'a1' }),
      ev('charge:c4', 2, 'ChargeAuthorized', { amount: 1500 }),
      ev('charge:c4', 3, 'ChargeCaptured', { captureId: 'cap4', amount: 1500 }),
    ];
    expect(checkBillingPeriods(tampered)[0].detail).toContain('period 1 captured by 2 charges');
  });

  it('fails on a period attempt requested twice, a period paid twice, or period 0 billed after the initial charge', () => {
    const tampered = [
      ...log(),
      ev('billing-schedule:a1', 4, 'BillingPeriodChargeRequested', { periodIndex: 1, attempt: 1, chargeId: 'c5' }),
      ev('billing-schedule:a1', 5, 'BillingPeriodPaid', { periodIndex: 1, chargeId: 'c5' }),
      ev('billing-schedule:a1', 6, 'BillingPeriodChargeRequested', { periodIndex: 0, attempt: 1, chargeId: 'c6' }),
    ];
    const details = checkBillingPeriods(tampered).map((v) => v.detail);
    expect(details).toEqual([
      expect.stringContaining('period 1 attempt 1 requested twice'),
      expect.stringContaining('period 0 billed, before the first (1)'),
      expect.stringContaining('period 1 paid 2 times'),
    ]);
  });
});

describe('webhooks delivered, signed, in order', () => {
  const events: MerchantEventRow[] = [
    {
      eventId: 'e1',
      objectId: 'c1',
      streamId: 'charge:c1',
      streamVersion: 1,
      type: 'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    },
    { eventId: 'e2', objectId: 'c1', streamId: 'charge:c1', streamVersion: 3, type: 'PAYMENT_CHARGE_CAPTURE_PENDING' },
  ];
  const receipt = (webhookId: string, streamVersion: number, extra: Partial<WebhookReceipt> = {}): WebhookReceipt => ({
    webhookId,
    valid: true,
    answered: 200,
    subject: 'c1',
    type: 'x',
    streamVersion,
    receivedAt: 0,
    ...extra,
  });

  it('holds when each event arrived, signed, in version order (a repeat of an earlier one is fine)', () => {
    const receipts = [receipt('e1', 1, { answered: 503 }), receipt('e1', 1), receipt('e2', 3), receipt('e1', 1)];
    expect(checkWebhooks(events, receipts)).toEqual([]);
  });

  it('fails on an event only ever answered 503, or never sent', () => {
    expect(checkWebhooks(events, [receipt('e1', 1), receipt('e2', 3, { answered: 503 })])[0].detail).toContain(
      '1 of 2 merchant events never delivered',
    );
  });

  it('fails on a bad signature', () => {
    const details = checkWebhooks(events, [receipt('e1', 1), receipt('e2', 3), receipt('e2', 3, { valid: false })]);
    expect(details[0].detail).toContain('signature that does not verify');
  });

  it('fails on events of one object out of order, or an event the log lacks', () => {
    expect(checkWebhooks(events, [receipt('e2', 3), receipt('e1', 1)])[0].detail).toContain('arrived after v3');
    expect(checkWebhooks(events, [receipt('e1', 1), receipt('e2', 3), receipt('e9', 4)])[0].detail).toContain(
      'no event of the merchant',
    );
  });
});

describe('ledger, read models, event log', () => {
  it('fail on an unbalanced entry or ledger, an empty ledger, a read model differing, a broken chain', () => {
    expect(checkLedger([], [{ currency: 'USD', debits: '10', credits: '10' }], 3)).toEqual([]);
    expect(checkLedger([{ entryId: 'le1', detail: 'debits 1 <> credits 2' }], [], 3)).toHaveLength(1);
    expect(checkLedger([], [{ currency: 'USD', debits: '10', credits: '9' }], 3)[0].detail).toContain(
      'debits 10 <> credits 9',
    );
    expect(checkLedger([], [], 0)[0].detail).toContain('posted nothing');
    const difference = { table: 't', unexpected: 1, missing: 0, unexpectedKeys: ['k'], missingKeys: [] };
    expect(checkReadModels([{ projection: 'p', events: 1, differences: [] }])).toEqual([]);
    expect(checkReadModels([{ projection: 'p', events: 1, differences: [difference] }])).toHaveLength(1);
    const verification = {
      ok: false,
      violations: [
        {
          kind: 'chain_broken' as const,
          streamId: 'charge:c1',
          streamVersion: 2,
          globalPosition: 7,
          checkpointNumber: null,
          detail: 'x',
        },
      ],
      violationCount: 1,
      eventsChecked: 1,
      streamsChecked: 1,
      checkpointsChecked: 0,
      unchainedEvents: 0,
      uncoveredUnchainedEvents: 0,
    };
    expect(checkEventLog(verification)[0].detail).toContain('chain_broken charge:c1 v2');
    expect(checkEventLog({ ...verification, ok: true, violations: [], violationCount: 0 })).toEqual([]);
  });
});
