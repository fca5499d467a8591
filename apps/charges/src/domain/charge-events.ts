/**
 * The events of a `charge:<chargeId>` stream, version 1 of each payload. Documented in docs/events.md; a stored
 * event is never changed, so a payload change means a new schema version and an upcaster in the decider.
 */
import type {
  CaptureMethod,
  ChargeFailure,
  Consumer,
  Money,
  PaymentMethodType,
  SimulationCode,
  VoidReason,
} from '@payment-ledger/contracts';

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

export interface ChargeCaptured {
  type: 'ChargeCaptured';
  data: StatusChange & { captureId: string; amount: number; providerReference: string };
}

export interface ChargeVoided {
  type: 'ChargeVoided';
  data: StatusChange & { voidId: string; amount: number; reason: VoidReason; providerReference: string };
}

export type ChargeEvent =
  | ChargeCreated
  | ChargeAuthenticationCompleted
  | ChargeAuthenticationFailed
  | ChargeAuthorizationPending
  | ChargeAuthorized
  | ChargeAuthorizationDeclined
  | ChargeCaptured
  | ChargeVoided;

export type ChargeEventType = ChargeEvent['type'];

export const CHARGE_EVENT_SCHEMA_VERSIONS: Record<ChargeEventType, number> = {
  ChargeCreated: 1,
  ChargeAuthenticationCompleted: 1,
  ChargeAuthenticationFailed: 1,
  ChargeAuthorizationPending: 1,
  ChargeAuthorized: 1,
  ChargeAuthorizationDeclined: 1,
  ChargeCaptured: 1,
  ChargeVoided: 1,
};
