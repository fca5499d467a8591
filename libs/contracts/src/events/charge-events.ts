/**
 * The events of a `charge:<chargeId>` stream (owned by the charges service), published to other services. Documented
 * in docs/events.md; a stored event is never changed, so a payload change means a new schema version and an upcaster.
 *
 * Money moves in two steps: an intent (`…Requested`, recorded under the stream's version check before the provider
 * is called; its operation id is the provider call's idempotency key) and its outcome (`ChargeAuthorized`,
 * `ChargeCaptured`, ...). Charges recorded before intents existed have outcomes without intents.
 */
import type { Money } from '../money';
import type { CaptureMethod, ChargeFailure, Consumer, SimulationCode, VoidReason } from '../payment-charge';
import type { PaymentMethodType } from '../payment-method-capabilities';
import type { ChargebackOutcome } from '../payment-refund';

interface StatusChange {
  /** The `hist_…` id of the history entry this event adds. */
  historyId: string;
  /** When it happened (ISO 8601), from the service clock. */
  at: string;
}

export interface ChargeCreated {
  type: 'ChargeCreated';
  data: StatusChange & {
    chargeId: string;
    /** The merchant's id and display name as it was when the charge was made (shown on the hosted page). */
    merchant: { id: string; name: string };
    paymentMethod: PaymentMethodType;
    amount: Money;
    consumer: Consumer;
    captureMethod: CaptureMethod;
    /** Who starts the payment: the consumer through a redirect, or the merchant under an agreement (no consumer). */
    initiator: 'CONSUMER' | 'MERCHANT';
    agreementId: string | null;
    instrumentId: string | null;
    /** Null for a merchant-initiated charge. */
    returnUrl: string | null;
    webhooksUrl: string | null;
    merchantPaymentChargeReference: string | null;
    simulationCode: SimulationCode | null;
    authentication: { type: 'REDIRECT'; requestUrl: string; requestMethod: 'GET' } | null;
    /** The consumer must finish the redirect before this instant or the charge fails (null: no redirect). */
    authenticationExpiresAt: string | null;
  };
}

export interface ChargeAuthenticationCompleted {
  type: 'ChargeAuthenticationCompleted';
  data: StatusChange;
}

export interface ChargeAuthenticationFailed {
  type: 'ChargeAuthenticationFailed';
  data: StatusChange & { reason: 'CONSUMER_CANCELED' | 'TIMED_OUT'; failure: ChargeFailure };
}

/**
 * Intent: the provider is about to be asked to authorize the charge's amount (Amazon Pay "Create Charge"), and with
 * `captureNow` to capture it in the same call. Key of the call: the authorization id.
 */
export interface ChargeAuthorizationRequested {
  type: 'ChargeAuthorizationRequested';
  data: StatusChange & { authorizationId: string; amount: number; captureNow: { captureId: string } | null };
}

export interface ChargeAuthorizationPending {
  type: 'ChargeAuthorizationPending';
  data: StatusChange & { authorizationId: string; amount: number; providerReference: string; checkAfter: string };
}

export interface ChargeAuthorized {
  type: 'ChargeAuthorized';
  data: StatusChange & {
    authorizationId: string;
    amount: number;
    providerReference: string;
    /** Uncaptured funds are released automatically at this instant (the method's capture window). */
    captureExpiresAt: string;
  };
}

export interface ChargeAuthorizationDeclined {
  type: 'ChargeAuthorizationDeclined';
  data: StatusChange & { authorizationId: string; amount: number; failure: ChargeFailure };
}

/** Intent: the provider is about to be asked to capture `amount` of the authorization. Key: the capture id. */
export interface ChargeCaptureRequested {
  type: 'ChargeCaptureRequested';
  data: StatusChange & { captureId: string; amount: number };
}

/** Outcome: the provider refused the capture (nothing was captured); what it held is open again. */
export interface ChargeCaptureFailed {
  type: 'ChargeCaptureFailed';
  data: StatusChange & { captureId: string; amount: number; failure: ChargeFailure };
}

export interface ChargeCaptured {
  type: 'ChargeCaptured';
  data: StatusChange & { captureId: string; amount: number; providerReference: string };
}

export interface ChargeVoided {
  type: 'ChargeVoided';
  data: StatusChange & { voidId: string; amount: number; reason: VoidReason; providerReference: string };
}

/** Intent: the provider is about to be asked to release what is authorized and open. Key: the void id. */
export interface ChargeVoidRequested {
  type: 'ChargeVoidRequested';
  data: StatusChange & { voidId: string; amount: number; reason: VoidReason };
}

/** Outcome: the provider refused the void (nothing was released); what it held is open again. */
export interface ChargeVoidFailed {
  type: 'ChargeVoidFailed';
  data: StatusChange & { voidId: string; amount: number; reason: VoidReason; failure: ChargeFailure };
}

/**
 * The charge's record of its refunds and chargebacks. The refunds service owns them (its `refund:<chargeId>` stream,
 * refund-events.ts); the charges service learns of each step from those events on Kafka and records it here, so the
 * charge's `refunds[]`, `chargebacks[]`, status and history move with them. Amounts: minor units of the charge currency.
 */
export interface ChargeRefundPending {
  type: 'ChargeRefundPending';
  data: StatusChange & { refundId: string; amount: number };
}

export interface ChargeRefundSucceeded {
  type: 'ChargeRefundSucceeded';
  data: StatusChange & { refundId: string; amount: number };
}

export interface ChargeRefundFailed {
  type: 'ChargeRefundFailed';
  data: StatusChange & { refundId: string; amount: number; failure: ChargeFailure };
}

export interface ChargeChargebackOpened {
  type: 'ChargeChargebackOpened';
  data: StatusChange & { chargebackId: string; amount: number; reason: string };
}

export interface ChargeChargebackResolved {
  type: 'ChargeChargebackResolved';
  data: StatusChange & { chargebackId: string; amount: number; outcome: ChargebackOutcome };
}

export type ChargeEvent =
  | ChargeCreated
  | ChargeAuthenticationCompleted
  | ChargeAuthenticationFailed
  | ChargeAuthorizationRequested
  | ChargeAuthorizationPending
  | ChargeAuthorized
  | ChargeAuthorizationDeclined
  | ChargeCaptureRequested
  | ChargeCaptured
  | ChargeCaptureFailed
  | ChargeVoidRequested
  | ChargeVoided
  | ChargeVoidFailed
  | ChargeRefundPending
  | ChargeRefundSucceeded
  | ChargeRefundFailed
  | ChargeChargebackOpened
  | ChargeChargebackResolved;

export type ChargeEventType = ChargeEvent['type'];

export const CHARGE_EVENT_SCHEMA_VERSIONS: Record<ChargeEventType, number> = {
  ChargeCreated: 2,
  ChargeAuthenticationCompleted: 1,
  ChargeAuthenticationFailed: 1,
  ChargeAuthorizationRequested: 1,
  ChargeAuthorizationPending: 1,
  ChargeAuthorized: 1,
  ChargeAuthorizationDeclined: 1,
  ChargeCaptureRequested: 1,
  ChargeCaptured: 1,
  ChargeCaptureFailed: 1,
  ChargeVoidRequested: 1,
  ChargeVoided: 1,
  ChargeVoidFailed: 1,
  ChargeRefundPending: 1,
  ChargeRefundSucceeded: 1,
  ChargeRefundFailed: 1,
  ChargeChargebackOpened: 1,
  ChargeChargebackResolved: 1,
};
