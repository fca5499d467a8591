import type {
  AmountType,
  ChargeFailure,
  Consumer,
  Frequency,
  Money,
  PaymentMethodType,
  RevokedBy,
  SimulationCode,
} from '@payment-ledger/contracts';

export interface CreateAgreement {
  type: 'CreateAgreement';
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
  initialPaymentCharge: { chargeId: string; amount: Money } | null;
}

export interface ApproveAgreement {
  type: 'ApproveAgreement';
}

export interface CancelAgreementAuthentication {
  type: 'CancelAgreementAuthentication';
  failure: ChargeFailure;
}

export interface RevokeAgreement {
  type: 'RevokeAgreement';
  revokedBy: RevokedBy;
}

export interface RequestAgreementCharge {
  type: 'RequestAgreementCharge';
  chargeId: string;
  /** Null: the agreed amount (EXACT or MAX agreements). */
  amount: Money | null;
  initiator: 'MERCHANT' | 'SCHEDULE';
  simulationCode: SimulationCode | null;
  merchantPaymentChargeReference: string | null;
}

export interface RecordAgreementChargeOutcome {
  type: 'RecordAgreementChargeOutcome';
  chargeId: string;
  status: 'CAPTURED' | 'FAILED';
  failure: ChargeFailure | null;
}

export interface MarkAgreementPastDue {
  type: 'MarkAgreementPastDue';
  chargeId: string;
  failure: ChargeFailure;
}

export type AgreementCommand =
  | CreateAgreement
  | ApproveAgreement
  | CancelAgreementAuthentication
  | RevokeAgreement
  | RequestAgreementCharge
  | RecordAgreementChargeOutcome
  | MarkAgreementPastDue;
