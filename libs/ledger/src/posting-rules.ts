/**
 * The posting rules: which journal entry each money-moving event posts (docs/ledger.md). A pure fold over one
 * charge's events — its `charge` stream and its `refund` stream, in log order — with a small state per charge: whom
 * and in which currency it is for, how much of it is held by open authorizations, and which refunds and chargebacks
 * are open (a failed refund or a won chargeback reverses the entry its opening posted).
 *
 * | event                      | entry                                                                              |
 * | -------------------------- | ---------------------------------------------------------------------------------- |
 * | ChargeAuthorized           | hold: Dr consumer:held, Cr merchant:authorized                                     |
 * | ChargeCaptured             | release what the capture uses of the hold, and Dr provider clearing, Cr payable    |
 * | ChargeVoided               | void release: Dr merchant:authorized, Cr consumer:held (at most what is held)      |
 * | RefundRequested            | Dr payable, Cr refunds_pending                                                     |
 * | RefundSucceeded            | Dr refunds_pending, Cr provider clearing                                           |
 * | RefundFailed               | Dr refunds_pending, Cr payable (reverses the request's entry)                      |
 * | ChargebackOpened           | Dr payable, Cr disputed                                                            |
 * | ChargebackResolved WON     | Dr disputed, Cr payable (reverses the opening's entry)                             |
 * | ChargebackResolved LOST    | Dr disputed, Cr provider clearing                                                  |
 *
 * Everything else posts nothing: intents to authorize or capture (no money moves until the provider answers),
 * declines and failures, a refund's pending step, and the charge stream's own record of its refunds and chargebacks
 * (`ChargeRefund…`, `ChargeChargeback…`: the refund stream is the source, so they are not posted twice).
 */
import type { ChargeEvent, PaymentMethodType, RefundEvent } from '@payment-ledger/contracts';
import { accounts } from './chart-of-accounts';
import { credit, debit, type EntryKind, type JournalEntry, type JournalLine } from './journal';

/** What the rules keep of one charge between its events. */
export interface ChargePostings {
  merchantId: string;
  currency: string;
  paymentMethod: PaymentMethodType;
  /** Held by open authorizations: authorized, less what captures and voids released. */
  held: number;
  /** Refunds asked for and not answered: refund id → the request's event and amount. */
  openRefunds: Record<string, OpenItem>;
  /** Chargebacks not resolved: chargeback id → the opening's event and amount. */
  openChargebacks: Record<string, OpenItem>;
}

export interface OpenItem {
  eventId: string;
  amount: number;
}

/** A stored event of a charge, as the rules read it. */
export interface LedgerEvent {
  eventId: string;
  chargeId: string;
  event: ChargeEvent | RefundEvent;
}

export type PostingOutcome =
  | { state: ChargePostings | null; entry: JournalEntry }
  | { state: ChargePostings | null; entry: null; skipped?: 'charge_unknown' };

/** Applies one event to a charge's postings: the state after it, and the entry it posts (or none). */
export function postEvent(state: ChargePostings | null, { eventId, chargeId, event }: LedgerEvent): PostingOutcome {
  if (event.type === 'ChargeCreated') {
    const d = event.data;
    return {
      state: state ?? {
        merchantId: d.merchant.id,
        currency: d.amount.currency,
        paymentMethod: d.paymentMethod,
        held: 0,
        openRefunds: {},
        openChargebacks: {},
      },
      entry: null,
    };
  }
  if (event.type === 'RefundRequested' && !state) {
    // A charge the ledger did not see created (it never is, in log order; a hand-moved checkpoint could): the
    // request names all the rules need.
    const d = event.data;
    state = {
      merchantId: d.merchantId,
      currency: d.amount.currency,
      paymentMethod: d.paymentMethod,
      held: 0,
      openRefunds: {},
      openChargebacks: {},
    };
  }
  if (!state) return { state, entry: null, skipped: 'charge_unknown' };
  const m = state.merchantId;
  const entry = (kind: EntryKind, lines: JournalLine[], reversesEventId: string | null = null): JournalEntry => ({
    kind,
    merchantId: m,
    chargeId,
    currency: state!.currency,
    lines: lines.filter((l) => l.debit > 0 || l.credit > 0),
    reversesEventId,
  });
  const none = { state, entry: null };
  switch (event.type) {
    case 'ChargeAuthorized': {
      const amount = event.data.amount;
      if (amount <= 0) return none;
      return {
        state: { ...state, held: state.held + amount },
        entry: entry('authorization_hold', [
          debit(accounts.consumerHeld, amount),
          credit(accounts.merchantAuthorized(m), amount),
        ]),
      };
    }
    case 'ChargeCaptured': {
      const amount = event.data.amount;
      if (amount <= 0) return none;
      const released = Math.min(amount, state.held);
      return {
        state: { ...state, held: state.held - released },
        entry: entry('capture', [
          debit(accounts.merchantAuthorized(m), released),
          credit(accounts.consumerHeld, released),
          debit(accounts.providerClearing(state.paymentMethod), amount),
          credit(accounts.merchantPayable(m), amount),
        ]),
      };
    }
    case 'ChargeVoided': {
      const released = Math.min(event.data.amount, state.held);
      if (released <= 0) return none;
      return {
        state: { ...state, held: state.held - released },
        entry: entry('void_release', [
          debit(accounts.merchantAuthorized(m), released),
          credit(accounts.consumerHeld, released),
        ]),
      };
    }
    case 'RefundRequested': {
      const { refundId, amount } = event.data;
      if (state.openRefunds[refundId] || amount.value <= 0) return none;
      return {
        state: { ...state, openRefunds: { ...state.openRefunds, [refundId]: { eventId, amount: amount.value } } },
        entry: entry('refund_requested', [
          debit(accounts.merchantPayable(m), amount.value),
          credit(accounts.merchantRefundsPending(m), amount.value),
        ]),
      };
    }
    case 'RefundSucceeded':
    case 'RefundFailed': {
      const open = state.openRefunds[event.data.refundId];
      if (!open) return none; // answered already (or never asked for): nothing is pending to settle
      const { [event.data.refundId]: _answered, ...openRefunds } = state.openRefunds;
      const next = { ...state, openRefunds };
      return event.type === 'RefundSucceeded'
        ? {
            state: next,
            entry: entry('refund_succeeded', [
              debit(accounts.merchantRefundsPending(m), open.amount),
              credit(accounts.providerClearing(state.paymentMethod), open.amount),
            ]),
          }
        : {
            state: next,
            entry: entry(
              'refund_failed',
              [
                debit(accounts.merchantRefundsPending(m), open.amount),
                credit(accounts.merchantPayable(m), open.amount),
              ],
              open.eventId,
            ),
          };
    }
    case 'ChargebackOpened': {
      const { chargebackId, amount } = event.data;
      if (state.openChargebacks[chargebackId] || amount.value <= 0) return none;
      return {
        state: {
          ...state,
          openChargebacks: { ...state.openChargebacks, [chargebackId]: { eventId, amount: amount.value } },
        },
        entry: entry('chargeback_opened', [
          debit(accounts.merchantPayable(m), amount.value),
          credit(accounts.merchantDisputed(m), amount.value),
        ]),
      };
    }
    case 'ChargebackResolved': {
      const open = state.openChargebacks[event.data.chargebackId];
      if (!open) return none;
      const { [event.data.chargebackId]: _resolved, ...openChargebacks } = state.openChargebacks;
      const next = { ...state, openChargebacks };
      return event.data.outcome === 'WON'
        ? {
            state: next,
            entry: entry(
              'chargeback_won',
              [debit(accounts.merchantDisputed(m), open.amount), credit(accounts.merchantPayable(m), open.amount)],
              open.eventId,
            ),
          }
        : {
            state: next,
            entry: entry('chargeback_lost', [
              debit(accounts.merchantDisputed(m), open.amount),
              credit(accounts.providerClearing(state.paymentMethod), open.amount),
            ]),
          };
    }
    default:
      return none;
  }
}
