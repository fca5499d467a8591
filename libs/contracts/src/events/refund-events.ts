/**
 * The events of a `refund:<chargeId>` stream (owned by the refunds service): every refund and chargeback of one
 * charge. One stream per charge, because the rule they share is per charge — refunds pending or succeeded plus
 * chargebacks open or lost never exceed what was captured — and one stream's version check is what makes that hold
 * under any concurrency, with no lock and no second table. Documented in docs/events.md; a stored event is never
 * changed, so a payload change means a new schema version and an upcaster.
 *
 * A refund moves money in two steps, like a capture: the intent (`RefundRequested`, recorded under the version check
 * before the provider is called; the refund id is the call's idempotency key) and its outcome.
 */
import type { Money } from '../money';
import type { ChargeFailure } from '../payment-charge';
import type { PaymentMethodType } from '../payment-method-capabilities';
import type { RefundSimulationCode } from '../payment-refund';

interface At {
  /** When it happened (ISO 8601), from the service clock. */
  at: string;
}

/** Intent: the provider is about to be asked to refund `amount` of the charge. Status: REFUND_PENDING. */
export interface RefundRequested {
  type: 'RefundRequested';
  data: At & {
    refundId: string;
    chargeId: string;
    merchantId: string;
    paymentMethod: PaymentMethodType;
    amount: Money;
    reason: string | null;
    merchantRefundReference: string | null;
    simulationCode: RefundSimulationCode | null;
  };
}

/** The provider accepted the refund and will settle it later (ask again after `checkAfter`). Still REFUND_PENDING. */
export interface RefundPending {
  type: 'RefundPending';
  data: At & { refundId: string; amount: number; providerReference: string; checkAfter: string };
}

export interface RefundSucceeded {
  type: 'RefundSucceeded';
  data: At & { refundId: string; amount: number; providerReference: string };
}

/** The provider declined the refund, or refused it: nothing moved, and the amount is refundable again. */
export interface RefundFailed {
  type: 'RefundFailed';
  data: At & { refundId: string; amount: number; failure: ChargeFailure };
}

/** The provider told us the consumer disputed `amount` of the charge: it is taken until the chargeback is resolved. */
export interface ChargebackOpened {
  type: 'ChargebackOpened';
  data: At & {
    chargebackId: string;
    chargeId: string;
    merchantId: string;
    amount: Money;
    reason: string;
  };
}

/** Resolved: WON gives the amount back to the merchant (refundable again); LOST keeps it with the consumer. */
export interface ChargebackResolved {
  type: 'ChargebackResolved';
  data: At & { chargebackId: string; amount: number; outcome: 'WON' | 'LOST' };
}

export type RefundEvent =
  RefundRequested | RefundPending | RefundSucceeded | RefundFailed | ChargebackOpened | ChargebackResolved;
export type RefundEventType = RefundEvent['type'];

export const REFUND_EVENT_SCHEMA_VERSIONS: Record<RefundEventType, number> = {
  RefundRequested: 1,
  RefundPending: 1,
  RefundSucceeded: 1,
  RefundFailed: 1,
  ChargebackOpened: 1,
  ChargebackResolved: 1,
};

/** The stream of a charge's refunds and chargebacks. */
export const refundStreamId = (chargeId: string): string => `refund:${chargeId}`;
export const chargeIdOfRefundStream = (streamId: string): string => streamId.slice('refund:'.length);
