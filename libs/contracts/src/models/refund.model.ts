/**
 * The public model of a charge's refunds and chargebacks: the fold of a `refund:<chargeId>` stream, the amounts the
 * refund rule adds up, and the refunds and chargebacks as the API shows them. Public (in the contracts) for the same
 * reason as charge.model.ts: the refunds service decides with this fold, and the charges service, a webhooks service
 * or the ledger read the same stream the same way without importing an app.
 */
import { parseRefundEvent } from '../events/refund-event-contracts';
import type { RefundEvent } from '../events/refund-events';
import type { ChargeFailure } from '../payment-charge';
import type { PaymentMethodType } from '../payment-method-capabilities';
import type {
  ChargebackResource,
  ChargebackStatus,
  RefundResource,
  RefundSimulationCode,
  RefundStatus,
} from '../payment-refund';
import { type AsOf, foldAsOf, type StoredStreamEvent } from './as-of';

export interface RefundRecord {
  id: string;
  chargeId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  merchantRefundReference: string | null;
  simulationCode: RefundSimulationCode | null;
  /** The provider's reference, once it answered; null while the call is unanswered (a pending outside call). */
  providerReference: string | null;
  /** When to ask the provider again about a refund it accepted and has not settled. */
  checkAfter: string | null;
  failure: ChargeFailure | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChargebackRecord {
  id: string;
  chargeId: string;
  amount: number;
  currency: string;
  status: ChargebackStatus;
  reason: string;
  createdAt: string;
  updatedAt: string;
}

/** JSON-safe. `chargeId` is null before the stream's first event. */
export interface ChargeRefundsState {
  chargeId: string | null;
  merchantId: string | null;
  paymentMethod: PaymentMethodType | null;
  currency: string | null;
  refunds: RefundRecord[];
  chargebacks: ChargebackRecord[];
}

export const initialChargeRefundsState: ChargeRefundsState = {
  chargeId: null,
  merchantId: null,
  paymentMethod: null,
  currency: null,
  refunds: [],
  chargebacks: [],
};

/**
 * What the refund rule counts against the captured amount: refunds pending or succeeded (a failed one released its
 * amount) plus chargebacks open or lost (a won one released its amount).
 */
export function amountTakenFromCaptured(state: ChargeRefundsState): number {
  const refunds = state.refunds.reduce((total, r) => (r.status === 'FAILED' ? total : total + r.amount), 0);
  const chargebacks = state.chargebacks.reduce((total, c) => (c.status === 'WON' ? total : total + c.amount), 0);
  return refunds + chargebacks;
}

/** What went back to the consumer through refunds that succeeded. */
export function refundedAmount(state: ChargeRefundsState): number {
  return state.refunds.reduce((total, r) => (r.status === 'SUCCEEDED' ? total + r.amount : total), 0);
}

/** Folds one event: total, never throws; a type this build does not know changes nothing. */
export function evolveChargeRefunds(state: ChargeRefundsState, event: RefundEvent): ChargeRefundsState {
  const d = event.data;
  switch (event.type) {
    case 'RefundRequested': {
      const e = event.data;
      if (state.refunds.some((r) => r.id === e.refundId)) return state;
      return {
        chargeId: e.chargeId,
        merchantId: e.merchantId,
        paymentMethod: e.paymentMethod,
        currency: e.amount.currency,
        chargebacks: state.chargebacks,
        refunds: [
          ...state.refunds,
          {
            id: e.refundId,
            chargeId: e.chargeId,
            amount: e.amount.value,
            currency: e.amount.currency,
            status: 'REFUND_PENDING',
            reason: e.reason,
            merchantRefundReference: e.merchantRefundReference,
            simulationCode: e.simulationCode,
            providerReference: null,
            checkAfter: null,
            failure: null,
            createdAt: e.at,
            updatedAt: e.at,
          },
        ],
      };
    }
    case 'RefundPending':
      return updateRefund(state, event.data.refundId, {
        providerReference: event.data.providerReference,
        checkAfter: event.data.checkAfter,
        updatedAt: d.at,
      });
    case 'RefundSucceeded':
      return updateRefund(state, event.data.refundId, {
        status: 'SUCCEEDED',
        providerReference: event.data.providerReference,
        checkAfter: null,
        updatedAt: d.at,
      });
    case 'RefundFailed':
      return updateRefund(state, event.data.refundId, {
        status: 'FAILED',
        failure: event.data.failure,
        checkAfter: null,
        updatedAt: d.at,
      });
    case 'ChargebackOpened': {
      const e = event.data;
      if (state.chargebacks.some((c) => c.id === e.chargebackId)) return state;
      return {
        ...state,
        chargeId: e.chargeId,
        merchantId: e.merchantId,
        currency: e.amount.currency,
        chargebacks: [
          ...state.chargebacks,
          {
            id: e.chargebackId,
            chargeId: e.chargeId,
            amount: e.amount.value,
            currency: e.amount.currency,
            status: 'OPEN',
            reason: e.reason,
            createdAt: e.at,
            updatedAt: e.at,
          },
        ],
      };
    }
    case 'ChargebackResolved': {
      const e = event.data;
      return {
        ...state,
        chargebacks: state.chargebacks.map((c) =>
          c.id === e.chargebackId ? { ...c, status: e.outcome, updatedAt: e.at } : c,
        ),
      };
    }
    default:
      return state;
  }
}

function updateRefund(state: ChargeRefundsState, refundId: string, change: Partial<RefundRecord>): ChargeRefundsState {
  return { ...state, refunds: state.refunds.map((r) => (r.id === refundId ? { ...r, ...change } : r)) };
}

export function toRefundResource(refund: RefundRecord): RefundResource {
  return {
    id: refund.id,
    paymentChargeId: refund.chargeId,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    merchantRefundReference: refund.merchantRefundReference,
    failure: refund.failure,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
  };
}

export function toChargebackResource(chargeback: ChargebackRecord): ChargebackResource {
  const { id, chargeId, amount, currency, status, reason, createdAt, updatedAt } = chargeback;
  return { id, paymentChargeId: chargeId, amount, currency, status, reason, createdAt, updatedAt };
}

/** A charge's refunds and chargebacks as of a version or an instant (events parsed and checked first). */
export function chargeRefundsAsOf(events: Iterable<StoredStreamEvent>, asOf: AsOf = {}): ChargeRefundsState {
  return foldAsOf(
    { initialState: initialChargeRefundsState, evolve: evolveChargeRefunds, parse: parseRefundEvent },
    events,
    asOf,
  );
}

/** The fold as a pair, for `fold()` and folded read models. */
export const chargeRefundsModel = { initialState: initialChargeRefundsState, evolve: evolveChargeRefunds } as const;
