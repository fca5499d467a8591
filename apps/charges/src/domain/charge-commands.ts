/**
 * What may be asked of a charge. A command that moves money records an intent (`…Requested`); the provider is called
 * after it (the command loop's outside calls, see ChargeProviderCalls) and its answer comes back as a `Record…Outcome`
 * command, so the decider stays pure.
 */
import type {
  CaptureMethod,
  ChargeFailure,
  Consumer,
  Money,
  PaymentMethodType,
  RefundEvent,
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
 * A charge under a payment agreement, started by the merchant (or its schedule) without the consumer: created with
 * the intent to authorize and capture at once (Amazon Pay's CaptureNow) with the saved instrument.
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
  /** Our ids of the authorization and its capture: the provider call's idempotency keys. */
  authorizationId: string;
  captureId: string;
}

/** What the provider answered to an authorization (at once, or later when asked again). */
export type AuthorizationOutcome =
  | { status: 'AUTHORIZED'; providerReference: string; capture: ProviderResult | null }
  | { status: 'PENDING'; providerReference: string; checkAfter: string }
  | { status: 'DECLINED'; failure: ChargeFailure };

export interface ProviderResult {
  providerReference: string;
}

/**
 * The consumer approved on the provider's page: the charge records the intent to authorize (and, for automatic
 * capture, to capture in the same call under `captureId`).
 */
export interface RecordConsumerApproval {
  type: 'RecordConsumerApproval';
  authorizationId: string;
  captureId: string;
}

export interface RecordConsumerCancellation {
  type: 'RecordConsumerCancellation';
  failure: ChargeFailure;
}

export interface ExpireAuthentication {
  type: 'ExpireAuthentication';
}

/** The provider answered an authorization (first answer, or a pending one settled). */
export interface RecordAuthorizationOutcome {
  type: 'RecordAuthorizationOutcome';
  authorizationId: string;
  outcome: AuthorizationOutcome;
}

/** A merchant asks to capture `amount` (all that is open when omitted). */
export interface CaptureCharge {
  type: 'CaptureCharge';
  captureId: string;
  amount: number | null;
}

export interface RecordCaptureOutcome {
  type: 'RecordCaptureOutcome';
  captureId: string;
  result: ProviderResult;
}

/** The provider refused the capture: nothing was captured. */
export interface RecordCaptureRefusal {
  type: 'RecordCaptureRefusal';
  captureId: string;
  failure: ChargeFailure;
}

export interface VoidCharge {
  type: 'VoidCharge';
  voidId: string;
  reason: VoidReason;
}

export interface RecordVoidOutcome {
  type: 'RecordVoidOutcome';
  voidId: string;
  result: ProviderResult;
}

/** The provider refused the void: nothing was released. */
export interface RecordVoidRefusal {
  type: 'RecordVoidRefusal';
  voidId: string;
  failure: ChargeFailure;
}

/**
 * Steps of the charge's refunds and chargebacks, in the order the refunds service recorded them on the charge's
 * `refund` stream (consumed from Kafka, all of a batch at once): the charge records each on its own stream once,
 * exactly as if they came one by one. Kafka may deliver one again; a repeat, or a step of a refund the charge never
 * learnt of, records nothing.
 */
export interface RecordRefundProgress {
  type: 'RecordRefundProgress';
  events: RefundEvent[];
}

export type ChargeCommand =
  | CreateCharge
  | CreateMerchantInitiatedCharge
  | RecordConsumerApproval
  | RecordConsumerCancellation
  | ExpireAuthentication
  | RecordAuthorizationOutcome
  | CaptureCharge
  | RecordCaptureOutcome
  | RecordCaptureRefusal
  | VoidCharge
  | RecordVoidOutcome
  | RecordVoidRefusal
  | RecordRefundProgress;
