import type { AgreementTerms, ChargeFailure, Money, RevokedBy, SimulationCode } from '@payment-ledger/contracts';

/** The terms as asked for (`startDate` as the merchant wrote it); the decider works out the rest. */
export interface CreateAgreement extends Omit<AgreementTerms, 'startDateAsGiven' | 'authenticationExpiresAt'> {
  type: 'CreateAgreement';
  agreementId: string;
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
