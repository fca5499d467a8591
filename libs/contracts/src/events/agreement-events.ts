/**
 * The events of an `agreement:<agreementId>` stream (owned by the agreements service), published to other services.
 * Their contracts (schema versions, run-time checks, upcasters) are in agreement-event-contracts.ts; the catalogue
 * docs/events.md is generated from them.
 */
import type { Money } from '../money';
import type { AgreementChargeInitiator, AmountType, Frequency, RevokedBy } from '../payment-agreement';
import type { ChargeFailure, Consumer, SimulationCode } from '../payment-charge';
import type { PaymentMethodType } from '../payment-method-capabilities';

interface StatusChange {
  historyId: string;
  at: string;
}

/** What an agreement was created with: the terms the consumer consents to (AgreementCreated's payload). */
export interface AgreementTerms {
  merchant: { id: string; name: string; mode: 'SANDBOX' | 'LIVE' };
  paymentMethod: PaymentMethodType;
  consumer: Consumer;
  /** Normalised to UTC, as the API shows it. */
  startDate: string;
  /** As the merchant wrote it, with its UTC offset: billing periods follow that local calendar. */
  startDateAsGiven: string;
  endDate: string | null;
  description: string | null;
  frequency: Frequency | null;
  amount: Money | null;
  amountType: AmountType;
  instrumentId: string;
  returnUrl: string;
  merchantPaymentAgreementReference: string | null;
  webhooksUrl: string | null;
  simulationCode: SimulationCode | null;
  authentication: { type: 'REDIRECT'; requestUrl: string; requestMethod: 'GET' };
  authenticationExpiresAt: string;
  initialPaymentCharge: { chargeId: string; amount: Money } | null;
}

export interface AgreementCreated {
  type: 'AgreementCreated';
  data: StatusChange & AgreementTerms & { agreementId: string };
}

/** The consumer consented on the provider's page; the payment method is saved as `instrumentId`. */
export interface AgreementActivated {
  type: 'AgreementActivated';
  data: StatusChange;
}

export interface AgreementAuthenticationFailed {
  type: 'AgreementAuthenticationFailed';
  data: StatusChange & { reason: 'CONSUMER_CANCELED' | 'TIMED_OUT'; failure: ChargeFailure };
}

export interface AgreementRevoked {
  type: 'AgreementRevoked';
  data: StatusChange & { revokedBy: RevokedBy };
}

/** A charge under the agreement was decided (before the charges service is asked to make it). */
export interface AgreementChargeRequested {
  type: 'AgreementChargeRequested';
  data: {
    at: string;
    chargeId: string;
    amount: Money;
    initiator: AgreementChargeInitiator;
    simulationCode: SimulationCode | null;
    merchantPaymentChargeReference: string | null;
  };
}

/** The charges service settled one of the agreement's charges (learned from the charge events on Kafka). */
export interface AgreementChargeSettled {
  type: 'AgreementChargeSettled';
  data: { at: string; chargeId: string; status: 'CAPTURED' | 'FAILED'; failure: ChargeFailure | null };
}

/** A charge was declined in a way only the consumer can fix (e.g. HardDeclined): the agreement needs them. */
export interface AgreementMarkedPastDue {
  type: 'AgreementMarkedPastDue';
  data: StatusChange & { chargeId: string; failure: ChargeFailure };
}

export type AgreementEvent =
  | AgreementCreated
  | AgreementActivated
  | AgreementAuthenticationFailed
  | AgreementRevoked
  | AgreementChargeRequested
  | AgreementChargeSettled
  | AgreementMarkedPastDue;

export const AGREEMENT_EVENT_SCHEMA_VERSIONS: Record<AgreementEvent['type'], number> = {
  AgreementCreated: 1,
  AgreementActivated: 1,
  AgreementAuthenticationFailed: 1,
  AgreementRevoked: 1,
  AgreementChargeRequested: 1,
  AgreementChargeSettled: 1,
  AgreementMarkedPastDue: 1,
};
