/**
 * What may be asked of a charge. Provider calls happen before `decide` (in the application layer); their outcomes
 * arrive here as data, so the decider stays pure.
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

export type MerchantMode = 'SANDBOX' | 'LIVE';

export interface CreateCharge {
  type: 'CreateCharge';
  chargeId: string;
  merchant: { id: string; name: string; mode: MerchantMode };
  paymentMethod: PaymentMethodType;
  amount: Money;
  consumer: Consumer;
  captureMethod: CaptureMethod;
  returnUrl: string;
  webhooksUrl: string | null;
  merchantPaymentChargeReference: string | null;
  simulationCode: SimulationCode | null;
  authentication: { type: 'REDIRECT'; requestUrl: string; requestMethod: 'GET' };
}

/**
 * A charge under a payment agreement, started by the merchant (or its schedule) without the consumer: the provider
 * was already asked to authorize (and capture) with the saved instrument, so creation and outcome are one decision.
 */
export interface CreateMerchantInitiatedCharge {
  type: 'CreateMerchantInitiatedCharge';
  chargeId: string;
  merchant: { id: string; name: string; mode: MerchantMode };
  paymentMethod: PaymentMethodType;
  amount: Money;
  consumer: Consumer;
  agreementId: string;
  instrumentId: string;
  webhooksUrl: string | null;
  merchantPaymentChargeReference: string | null;
  simulationCode: SimulationCode | null;
  authorizationId: string;
  authorization: AuthorizationOutcome;
  capture?: { captureId: string; result: ProviderResult };
}

export type AuthorizationOutcome =
  | { status: 'AUTHORIZED'; providerReference: string }
  | { status: 'PENDING'; providerReference: string; checkAfter: string }
  | { status: 'DECLINED'; failure: ChargeFailure };

export interface ProviderResult {
  providerReference: string;
}

/** The consumer approved on the provider's page; the provider answered the authorization (and capture). */
export interface RecordConsumerApproval {
  type: 'RecordConsumerApproval';
  authorizationId: string;
  authorization: AuthorizationOutcome;
  /** Present for automatic capture of an authorized charge. */
  capture?: { captureId: string; result: ProviderResult };
}

export interface RecordConsumerCancellation {
  type: 'RecordConsumerCancellation';
  failure: ChargeFailure;
}

export interface ExpireAuthentication {
  type: 'ExpireAuthentication';
}

/** The provider settled an asynchronous (AUTHORIZATION_ASYNC) authorization. */
export interface ResolveAuthorization {
  type: 'ResolveAuthorization';
  authorization: AuthorizationOutcome;
  capture?: { captureId: string; result: ProviderResult };
}

export interface CaptureCharge {
  type: 'CaptureCharge';
  captureId: string;
  amount: number;
  result: ProviderResult;
}

export interface VoidCharge {
  type: 'VoidCharge';
  voidId: string;
  reason: VoidReason;
  result: ProviderResult;
}

export type ChargeCommand =
  | CreateCharge
  | CreateMerchantInitiatedCharge
  | RecordConsumerApproval
  | RecordConsumerCancellation
  | ExpireAuthentication
  | ResolveAuthorization
  | CaptureCharge
  | VoidCharge;
