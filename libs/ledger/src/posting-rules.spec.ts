import fc from 'fast-check';
import {
  amountTakenFromCaptured,
  type ChargeEvent,
  type ChargeRefundsState,
  type ChargeState,
  chargeExists,
  evolveCharge,
  evolveChargeRefunds,
  initialChargeRefundsState,
  initialChargeState,
  openAmount,
  type RefundEvent,
  refundedAmount,
} from '@payment-ledger/contracts';
import { accounts } from './chart-of-accounts';
import { isBalanced, type JournalEntry, trialBalance } from './journal';
import { type ChargePostings, type LedgerEvent, postEvent } from './posting-rules';

const at = '2026-11-28T00:00:00.000Z';
const h = { historyId: 'hist_1', at };

function created(chargeId: string, merchantId: string, value: number, currency: string): ChargeEvent {
  return {
    type: 'ChargeCreated',
    data: {
      ...h,
      chargeId,
      merchant: { id: merchantId, name: 'Shop' },
      paymentMethod: 'AMAZON_PAY',
      amount: { value, currency },
      consumer: { name: 'C' },
      captureMethod: 'MANUAL',
      initiator: 'CONSUMER',
      agreementId: null,
      instrumentId: null,
      returnUrl: null,
      webhooksUrl: null,
      merchantPaymentChargeReference: null,
      simulationCode: null,
      authentication: null,
      authenticationExpiresAt: null,
    },
  } as unknown as ChargeEvent;
}

/** Posts events in order, keeping each charge's postings; returns the entries with the event that caused each. */
function postAll(events: LedgerEvent[]): { entries: (JournalEntry & { eventId: string })[]; skipped: number } {
  const states = new Map<string, ChargePostings | null>();
  const entries: (JournalEntry & { eventId: string })[] = [];
  let skipped = 0;
  for (const event of events) {
    const outcome = postEvent(states.get(event.chargeId) ?? null, event);
    states.set(event.chargeId, outcome.state);
    if (outcome.entry) entries.push({ ...outcome.entry, eventId: event.eventId });
    else if ('skipped' in outcome && outcome.skipped) skipped += 1;
  }
  return { entries, skipped };
}

describe('posting rules', () => {
  let n = 0;
  const e = (chargeId: string, event: ChargeEvent | RefundEvent): LedgerEvent => ({
    eventId: `evt_${++n}`,
    chargeId,
    event,
  });

  it('posts a hold, a capture that releases it, a partial refund and a lost chargeback, each balanced', () => {
    const m = 'merchant_1';
    const events = [
      e('c1', created('c1', m, 1000, 'USD')),
      e('c1', {
        type: 'ChargeAuthorized',
        data: { ...h, authorizationId: 'a', amount: 1000, providerReference: 'p', captureExpiresAt: at },
      }),
      e('c1', { type: 'ChargeCaptured', data: { ...h, captureId: 'k', amount: 1000, providerReference: 'p' } }),
      e('c1', {
        type: 'RefundRequested',
        data: {
          at,
          refundId: 'r1',
          chargeId: 'c1',
          merchantId: m,
          paymentMethod: 'AMAZON_PAY',
          amount: { value: 300, currency: 'USD' },
          reason: null,
          merchantRefundReference: null,
          simulationCode: null,
        },
      }),
      e('c1', { type: 'RefundSucceeded', data: { at, refundId: 'r1', amount: 300, providerReference: 'p' } }),
      e('c1', {
        type: 'ChargebackOpened',
        data: {
          at,
          chargebackId: 'cb',
          chargeId: 'c1',
          merchantId: m,
          amount: { value: 200, currency: 'USD' },
          reason: 'fraud',
        },
      }),
      e('c1', { type: 'ChargebackResolved', data: { at, chargebackId: 'cb', amount: 200, outcome: 'LOST' } }),
    ];
    const { entries } = postAll(events);
    expect(entries.map((x) => x.kind)).toEqual([
      'authorization_hold',
      'capture',
      'refund_requested',
      'refund_succeeded',
      'chargeback_opened',
      'chargeback_lost',
    ]);
    expect(entries.every(isBalanced)).toBe(true);
    const balances = Object.fromEntries(trialBalance(entries).map((b) => [b.account, b.balance]));
    expect(balances).toEqual({
      [accounts.consumerHeld]: 0,
      [accounts.merchantAuthorized(m)]: 0,
      [accounts.providerClearing('AMAZON_PAY')]: 500,
      [accounts.merchantPayable(m)]: -500,
      [accounts.merchantRefundsPending(m)]: 0,
      [accounts.merchantDisputed(m)]: 0,
    });
  });

  it('reverses a refund request when the refund fails, naming the request', () => {
    const m = 'merchant_1';
    const request = e('c1', {
      type: 'RefundRequested',
      data: {
        at,
        refundId: 'r1',
        chargeId: 'c1',
        merchantId: m,
        paymentMethod: 'AMAZON_PAY',
        amount: { value: 300, currency: 'USD' },
        reason: null,
        merchantRefundReference: null,
        simulationCode: null,
      },
    });
    const { entries } = postAll([
      e('c1', created('c1', m, 1000, 'USD')),
      request,
      e('c1', {
        type: 'RefundFailed',
        data: {
          at,
          refundId: 'r1',
          amount: 300,
          failure: {
            failureType: 'PROVIDER_DECLINE',
            failureCode: 'x',
            providerFailureCode: null,
            failureMessage: 'x',
            isRetryable: false,
          },
        },
      }),
      // An answer to a refund that is not pending any more posts nothing.
      e('c1', { type: 'RefundSucceeded', data: { at, refundId: 'r1', amount: 300, providerReference: 'p' } }),
    ]);
    expect(entries.map((x) => x.kind)).toEqual(['refund_requested', 'refund_failed']);
    expect(entries[1].reversesEventId).toBe(request.eventId);
  });

  it('posts nothing for intents, declines and the charge stream’s own record of refunds', () => {
    const { entries } = postAll([
      e('c1', created('c1', 'm', 1000, 'USD')),
      e('c1', {
        type: 'ChargeAuthorizationRequested',
        data: { ...h, authorizationId: 'a', amount: 1000, captureNow: null },
      }),
      e('c1', { type: 'ChargeRefundSucceeded', data: { ...h, refundId: 'r', amount: 100 } }),
    ]);
    expect(entries).toEqual([]);
  });

  it('skips (and says so) money events of a charge it never saw created', () => {
    const { entries, skipped } = postAll([
      e('c9', {
        type: 'ChargeAuthorized',
        data: { ...h, authorizationId: 'a', amount: 1000, providerReference: 'p', captureExpiresAt: at },
      }),
    ]);
    expect(entries).toEqual([]);
    expect(skipped).toBe(1);
  });
});

/** One step of a charge's life, as the property test draws it: what to try, and how much of what is possible. */
type Step = {
  op: 'capture' | 'void' | 'refund' | 'answer_refund' | 'chargeback' | 'resolve';
  share: number;
  flag: boolean;
};

const stepArb: fc.Arbitrary<Step> = fc.record({
  op: fc.constantFrom('capture', 'void', 'refund', 'answer_refund', 'chargeback', 'resolve'),
  share: fc.double({ min: 0.01, max: 1, noNaN: true }),
  flag: fc.boolean(),
});

const chargeArb = fc.record({
  merchant: fc.constantFrom('merchant_a', 'merchant_b'),
  currency: fc.constantFrom('USD', 'EUR'),
  amount: fc.integer({ min: 50, max: 2_000_000 }),
  authorized: fc.boolean(),
  steps: fc.array(stepArb, { maxLength: 12 }),
});

/**
 * Turns drawn steps into a valid event sequence for one charge, applying each to the public models (the charge's own
 * fold and its refunds' fold) so that only what those allow is emitted: captures and voids within what is open,
 * refunds and chargebacks within what was captured less what is taken.
 */
function lifeOf(
  id: string,
  c: { merchant: string; currency: string; amount: number; authorized: boolean; steps: Step[] },
): { events: (ChargeEvent | RefundEvent)[]; charge: ChargeState; refunds: ChargeRefundsState } {
  let charge = initialChargeState;
  let refunds = initialChargeRefundsState;
  const events: (ChargeEvent | RefundEvent)[] = [];
  const emitCharge = (event: ChargeEvent) => {
    charge = evolveCharge(charge, event);
    events.push(event);
  };
  const emitRefund = (event: RefundEvent) => {
    refunds = evolveChargeRefunds(refunds, event);
    events.push(event);
  };
  emitCharge(created(id, c.merchant, c.amount, c.currency));
  if (!c.authorized) return { events, charge, refunds };
  emitCharge({
    type: 'ChargeAuthorized',
    data: { ...h, authorizationId: `${id}_a`, amount: c.amount, providerReference: 'p', captureExpiresAt: at },
  });
  let k = 0;
  for (const step of c.steps) {
    k += 1;
    if (!chargeExists(charge)) break;
    const open = openAmount(charge);
    const captured = charge.captures.reduce((t, x) => t + x.amount, 0);
    const refundable = captured - amountTakenFromCaptured(refunds);
    const part = (of: number) => Math.max(1, Math.floor(of * step.share));
    switch (step.op) {
      case 'capture':
        if (open > 0)
          emitCharge({
            type: 'ChargeCaptured',
            data: { ...h, captureId: `${id}_k${k}`, amount: part(open), providerReference: 'p' },
          });
        break;
      case 'void':
        if (open > 0)
          emitCharge({
            type: 'ChargeVoided',
            data: {
              ...h,
              voidId: `${id}_v${k}`,
              amount: open,
              reason: 'MERCHANT_REQUESTED' as never,
              providerReference: 'p',
            },
          });
        break;
      case 'refund':
        if (refundable > 0) {
          emitRefund({
            type: 'RefundRequested',
            data: {
              at,
              refundId: `${id}_r${k}`,
              chargeId: id,
              merchantId: c.merchant,
              paymentMethod: 'AMAZON_PAY',
              amount: { value: part(refundable), currency: c.currency },
              reason: null,
              merchantRefundReference: null,
              simulationCode: null,
            },
          });
        }
        break;
      case 'answer_refund': {
        const pending = refunds.refunds.find((r) => r.status === 'REFUND_PENDING');
        if (!pending) break;
        emitRefund(
          step.flag
            ? {
                type: 'RefundSucceeded',
                data: { at, refundId: pending.id, amount: pending.amount, providerReference: 'p' },
              }
            : {
                type: 'RefundFailed',
                data: {
                  at,
                  refundId: pending.id,
                  amount: pending.amount,
                  failure: {
                    failureType: 'PROVIDER_DECLINE',
                    failureCode: 'x',
                    providerFailureCode: null,
                    failureMessage: 'x',
                    isRetryable: false,
                  },
                },
              },
        );
        break;
      }
      case 'chargeback':
        if (refundable > 0) {
          emitRefund({
            type: 'ChargebackOpened',
            data: {
              at,
              chargebackId: `${id}_cb${k}`,
              chargeId: id,
              merchantId: c.merchant,
              amount: { value: part(refundable), currency: c.currency },
              reason: 'fraud',
            },
          });
        }
        break;
      case 'resolve': {
        const openCb = refunds.chargebacks.find((x) => x.status === 'OPEN');
        if (openCb)
          emitRefund({
            type: 'ChargebackResolved',
            data: { at, chargebackId: openCb.id, amount: openCb.amount, outcome: step.flag ? 'WON' : 'LOST' },
          });
        break;
      }
    }
  }
  return { events, charge, refunds };
}

describe('posting rules (property)', () => {
  it('any valid sequence of charge, refund and chargeback events posts balanced entries whose balances match the charges’ own totals', () => {
    fc.assert(
      fc.property(
        fc.array(chargeArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1000 }),
        (charges, seed) => {
          const lives = charges.map((c, i) => ({ id: `chrg_${i}`, c, ...lifeOf(`chrg_${i}`, c) }));
          // Interleave the charges' events (each charge's in its own order), as the global log does.
          const queues = lives.map((l) =>
            l.events.map((event, j) => ({ eventId: `${l.id}_e${j}`, chargeId: l.id, event })),
          );
          const log: LedgerEvent[] = [];
          let pick = seed;
          while (queues.some((q) => q.length > 0)) {
            const live = queues.filter((q) => q.length > 0);
            pick = (pick * 1103515245 + 12345) % 2147483648;
            log.push(live[pick % live.length].shift()!);
          }
          const { entries, skipped } = postAll(log);
          expect(skipped).toBe(0);
          for (const entry of entries) expect(isBalanced(entry)).toBe(true);

          const balances = trialBalance(entries);
          for (const currency of new Set(balances.map((b) => b.currency))) {
            expect(balances.filter((b) => b.currency === currency).reduce((t, b) => t + b.balance, 0)).toBe(0);
          }
          const balanceOf = (account: string, currency: string) =>
            balances.find((b) => b.account === account && b.currency === currency)?.balance ?? 0;
          // Each merchant and currency: the ledger agrees with what the charges and their refunds say of themselves.
          for (const merchant of ['merchant_a', 'merchant_b']) {
            for (const currency of ['USD', 'EUR']) {
              const mine = lives.filter(
                (l) => l.c.merchant === merchant && l.c.currency === currency && chargeExists(l.charge),
              );
              const sum = (f: (l: (typeof mine)[number]) => number) => mine.reduce((t, l) => t + f(l), 0);
              const capturedOf = (l: (typeof mine)[number]) =>
                chargeExists(l.charge) ? l.charge.captures.reduce((t, x) => t + x.amount, 0) : 0;
              expect(balanceOf(accounts.merchantAuthorized(merchant), currency)).toBe(
                0 - sum((l) => (chargeExists(l.charge) ? openAmount(l.charge) : 0)),
              );
              expect(balanceOf(accounts.merchantPayable(merchant), currency)).toBe(
                0 - sum((l) => capturedOf(l) - amountTakenFromCaptured(l.refunds)),
              );
              expect(balanceOf(accounts.merchantRefundsPending(merchant), currency)).toBe(
                0 -
                  sum((l) =>
                    l.refunds.refunds.filter((r) => r.status === 'REFUND_PENDING').reduce((t, r) => t + r.amount, 0),
                  ),
              );
              expect(balanceOf(accounts.merchantDisputed(merchant), currency)).toBe(
                0 -
                  sum((l) =>
                    l.refunds.chargebacks.filter((x) => x.status === 'OPEN').reduce((t, x) => t + x.amount, 0),
                  ),
              );
            }
          }
          for (const currency of ['USD', 'EUR']) {
            const all = lives.filter((l) => l.c.currency === currency && chargeExists(l.charge));
            const captured = all.reduce(
              (t, l) => t + (chargeExists(l.charge) ? l.charge.captures.reduce((s, x) => s + x.amount, 0) : 0),
              0,
            );
            const paidOut = all.reduce(
              (t, l) =>
                t +
                refundedAmount(l.refunds) +
                l.refunds.chargebacks.filter((x) => x.status === 'LOST').reduce((s, x) => s + x.amount, 0),
              0,
            );
            expect(balanceOf(accounts.providerClearing('AMAZON_PAY'), currency)).toBe(captured - paidOut);
            expect(balanceOf(accounts.consumerHeld, currency)).toBe(
              all.reduce((t, l) => t + (chargeExists(l.charge) ? openAmount(l.charge) : 0), 0),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
