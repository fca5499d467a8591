/**
 * Vocabulary of the payment-charges API shared by the gateway, the charges service and the provider adapters
 * (seed 001). Plain types: no framework, no I/O.
 */
import type { PaymentMethodType } from './payment-method-capabilities';
import type { ChargebackStatus, RefundStatus } from './payment-refund';

export const CHARGE_STATUSES = [
  'AUTHORIZATION_PROCESSING',
  'AUTHENTICATION_PENDING',
  'AUTHORIZATION_ASYNC',
  'CAPTURE_PENDING',
  'CAPTURE_PROCESSING',
  'CAPTURED',
  'REFUND_PROCESSING',
  'REFUNDED',
  'VOID_PROCESSING',
  'VOIDED',
  'FAILED',
  'DISCARDED',
] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

export type CaptureMethod = 'AUTOMATIC' | 'MANUAL';

export type FailureType = 'INTERNAL_DECLINE' | 'PROVIDER_DECLINE' | 'PROVIDER_ERROR' | 'INTERNAL_ERROR';

/** Why a charge failed. A decline is not an HTTP error: the charge is returned with status FAILED and this. */
export interface ChargeFailure {
  failureType: FailureType;
  failureCode: string;
  providerFailureCode: string | null;
  failureMessage: string;
  isRetryable: boolean;
}

/** Amazon Pay's sandbox simulation codes (forced outcomes), accepted only for sandbox merchants. */
export const SIMULATION_CODES = [
  'BuyerCanceled',
  'Declined',
  'HardDeclined',
  'SoftDeclined',
  'AmazonRejected',
  'ProcessingFailure',
  'TransactionTimedOut',
  'AuthorizationInitiated',
] as const;
export type SimulationCode = (typeof SIMULATION_CODES)[number];

export interface Consumer {
  name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface RedirectAuthenticationMethod {
  type: 'REDIRECT';
  details: { requestUrl: string; requestMethod: 'GET' };
}

export interface HistoryEntry {
  id: string;
  status: ChargeStatus;
  createdAt: string;
}

/** An authorization, capture, void, refund or chargeback as listed on a charge (amounts in minor units of the charge's currency). */
export interface ChargeOperation<Status extends string = string> {
  id: string;
  amount: number;
  status: Status;
  createdAt: string;
  updatedAt: string;
}

/** The payment charge as the API returns it. */
export interface PaymentChargeResource {
  id: string;
  status: ChargeStatus;
  paymentMethod: PaymentMethodType;
  amount: { value: number; currency: string };
  currency: string;
  country: string;
  consumer: Consumer;
  captureMethod: CaptureMethod;
  merchantPaymentChargeReference: string | null;
  webhooksUrl: string | null;
  /** The payment agreement a merchant-initiated charge was made under, and its saved instrument. */
  agreementId: string | null;
  instrumentId: string | null;
  authenticationMethods: RedirectAuthenticationMethod[];
  /** PROCESSING: asked of the provider, no answer recorded yet. */
  authorizations: ChargeOperation<'PROCESSING' | 'AUTHORIZED' | 'PENDING' | 'DECLINED'>[];
  captures: ChargeOperation<'PROCESSING' | 'CAPTURED' | 'FAILED'>[];
  /** The charge's refunds (the refunds service's, as the charge recorded them): REFUND_PENDING until settled. */
  refunds: ChargeOperation<RefundStatus>[];
  voids: (ChargeOperation<'PROCESSING' | 'VOIDED' | 'FAILED'> & { reason: VoidReason })[];
  /** Disputes the provider reported: OPEN, then WON (amount back to the merchant) or LOST. */
  chargebacks: (ChargeOperation<ChargebackStatus> & { reason: string })[];
  history: HistoryEntry[];
  failure: ChargeFailure | null;
  createdAt: string;
  updatedAt: string;
}

export type VoidReason = 'MERCHANT_REQUESTED' | 'CAPTURE_WINDOW_EXPIRED';
