/**
 * The events of an `agreement:<agreementId>` stream, version 1 of each payload (catalogue: docs/events.md).
 */
import type {
  AgreementChargeInitiator,
  AmountType,
  ChargeFailure,
  Consumer,
  Frequency,
  Money,
  PaymentMethodType,
  RevokedBy,
  SimulationCode,
} from '@payment-ledger/contracts';

interface StatusChange {
  historyId: string;
  at: string;
}

export interface AgreementCreated {
  type: 'AgreementCreated';
  data: StatusChange & {
    agreementId: string;
    merchant: { id: string; name: string; mode: 'SANDBOX' | 'LIVE' };
    paymentMethod: PaymentMethodType;
    consumer: Consumer;
    startDate: string;
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
  };
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
  | AgreementMarkedPastDue;

export const AGREEMENT_EVENT_SCHEMA_VERSIONS: Record<AgreementEvent['type'], number> = {
  AgreementCreated: 1,
  AgreementActivated: 1,
  AgreementAuthenticationFailed: 1,
  AgreementRevoked: 1,
  AgreementChargeRequested: 1,
  AgreementMarkedPastDue: 1,
};
