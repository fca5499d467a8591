// The posting rules on their edges, one event at a time: zero amounts, repeats, unknown ids, what each step leaves
// in the state. (posting-rules.spec.ts runs whole histories through them.)
import { accounts } from './chart-of-accounts';
import { credit, debit } from './journal';
import { type ChargePostings, type LedgerEvent, postEvent, type PostingOutcome } from './posting-rules';

const ev = (type: string, data: Record<string, unknown>, eventId = `ev_${type}`): LedgerEvent =>
  ({ eventId, chargeId: 'ch_1', event: { type, data } }) as unknown as LedgerEvent;
const created = ev('ChargeCreated', {
  merchant: { id: 'm1', name: 'Shop' },
  amount: { value: 1000, currency: 'USD' },
  paymentMethod: 'AMAZON_PAY',
});
const usd = (value: number) => ({ value, currency: 'USD' });

/** Posts the events in order from no state, returning each outcome. */
function post(...events: LedgerEvent[]): PostingOutcome[] {
  let state: ChargePostings | null = null;
  return events.map((event) => {
    const outcome = postEvent(state, event);
    state = outcome.state;
    return outcome;
  });
}
const last = (outcomes: PostingOutcome[]): PostingOutcome => outcomes[outcomes.length - 1];

describe('posting rules, event by event', () => {
  it('posts a refund request of a charge it never saw created, from what the request names', () => {
    const [outcome] = post(
      ev('RefundRequested', { refundId: 'r1', merchantId: 'm2', paymentMethod: 'AMAZON_PAY', amount: usd(300) }),
    );
    expect(outcome.entry).toEqual({
      kind: 'refund_requested',
      merchantId: 'm2',
      chargeId: 'ch_1',
      currency: 'USD',
      lines: [debit(accounts.merchantPayable('m2'), 300), credit(accounts.merchantRefundsPending('m2'), 300)],
      reversesEventId: null,
    });
    expect(outcome.state).toEqual({
      merchantId: 'm2',
      currency: 'USD',
      paymentMethod: 'AMAZON_PAY',
      held: 0,
      openRefunds: { r1: { eventId: 'ev_RefundRequested', amount: 300 } },
      openChargebacks: {},
    });
    expect(postEvent(null, ev('ChargeAuthorized', { amount: 5 }))).toEqual({
      state: null,
      entry: null,
      skipped: 'charge_unknown',
    });
  });

  it('posts nothing for zero amounts, and leaves the state as it was', () => {
    const [, authorized] = post(created, ev('ChargeAuthorized', { amount: 0 }));
    expect(authorized).toEqual({ state: post(created)[0].state, entry: null });
    for (const event of [
      ev('ChargeCaptured', { amount: 0 }),
      ev('ChargeVoided', { amount: 0 }),
      ev('RefundRequested', { refundId: 'r1', amount: usd(0) }),
      ev('ChargebackOpened', { chargebackId: 'c1', amount: usd(0) }),
    ]) {
      const outcomes = post(created, ev('ChargeAuthorized', { amount: 1000 }), event);
      expect(last(outcomes)).toEqual({ state: outcomes[1].state, entry: null });
    }
  });

  it('releases on capture only what is held, and omits the release lines when nothing is', () => {
    const outcomes = post(
      created,
      ev('ChargeAuthorized', { amount: 1000 }),
      ev('ChargeCaptured', { amount: 400 }),
      ev('ChargeCaptured', { amount: 600 }),
      ev('ChargeCaptured', { amount: 200 }),
    );
    expect(outcomes.map((o) => o.state?.held)).toEqual([0, 1000, 600, 0, 0]);
    expect(outcomes[2].entry?.lines).toEqual([
      debit(accounts.merchantAuthorized('m1'), 400),
      credit(accounts.consumerHeld, 400),
      debit(accounts.providerClearing('AMAZON_PAY'), 400),
      credit(accounts.merchantPayable('m1'), 400),
    ]);
    expect(outcomes[4].entry).toMatchObject({
      kind: 'capture',
      lines: [debit(accounts.providerClearing('AMAZON_PAY'), 200), credit(accounts.merchantPayable('m1'), 200)],
    });
  });

  it('releases on void at most what is still held, then nothing more', () => {
    const outcomes = post(
      created,
      ev('ChargeAuthorized', { amount: 1000 }),
      ev('ChargeCaptured', { amount: 400 }),
      ev('ChargeVoided', { amount: 1000 }),
      ev('ChargeVoided', { amount: 1000 }),
    );
    expect(outcomes[3].entry).toEqual({
      kind: 'void_release',
      merchantId: 'm1',
      chargeId: 'ch_1',
      currency: 'USD',
      lines: [debit(accounts.merchantAuthorized('m1'), 600), credit(accounts.consumerHeld, 600)],
      reversesEventId: null,
    });
    expect(outcomes[3].state?.held).toBe(0);
    expect(outcomes[4].entry).toBeNull();
  });

  it('posts a refund request or a chargeback once per id', () => {
    const refund = ev('RefundRequested', { refundId: 'r1', amount: usd(100) });
    const chargeback = ev('ChargebackOpened', { chargebackId: 'c1', amount: usd(100) });
    for (const event of [refund, chargeback]) {
      const outcomes = post(created, ev('ChargeCaptured', { amount: 1000 }), event, event);
      expect(outcomes[2].entry).not.toBeNull();
      expect(outcomes[3]).toEqual({ state: outcomes[2].state, entry: null });
    }
  });

  it('resolves a chargeback it knows once: WON reverses the opening, LOST pays it out', () => {
    const opened = ev('ChargebackOpened', { chargebackId: 'c1', amount: usd(250) }, 'ev_opened');
    for (const outcome of ['WON', 'LOST'] as const) {
      const resolved = ev('ChargebackResolved', { chargebackId: 'c1', outcome });
      const outcomes = post(created, ev('ChargeCaptured', { amount: 1000 }), opened, resolved, resolved);
      expect(outcomes[3].entry).toEqual({
        kind: outcome === 'WON' ? 'chargeback_won' : 'chargeback_lost',
        merchantId: 'm1',
        chargeId: 'ch_1',
        currency: 'USD',
        lines:
          outcome === 'WON'
            ? [debit(accounts.merchantDisputed('m1'), 250), credit(accounts.merchantPayable('m1'), 250)]
            : [debit(accounts.merchantDisputed('m1'), 250), credit(accounts.providerClearing('AMAZON_PAY'), 250)],
        reversesEventId: outcome === 'WON' ? 'ev_opened' : null,
      });
      expect(outcomes[3].state).toEqual({ ...outcomes[1].state, openChargebacks: {} });
      expect(outcomes[4]).toEqual({ state: outcomes[3].state, entry: null });
    }
    const unknown = post(created, ev('ChargebackResolved', { chargebackId: 'c9', outcome: 'WON' }));
    expect(unknown[1]).toEqual({ state: unknown[0].state, entry: null });
  });

  it('posts nothing for an event that moves no money, keeping the state', () => {
    const outcomes = post(created, ev('ChargeCaptureRequested', { amount: 100 }));
    expect(outcomes[1]).toEqual({ state: outcomes[0].state, entry: null });
  });
});
