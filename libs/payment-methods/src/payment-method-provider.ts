/**
 * The provider port: what the charges service needs from a payment-method provider. The Amazon Pay sandbox
 * simulator implements it first; a real Amazon Pay API v2 client (signed `AMZN-PAY-RSASSA-PSS-V2` requests,
 * idempotency keys, IPN notifications) implements the same interface later.
 *
 * Every money-moving call carries an `idempotencyKey` that the caller derived from the intent it recorded before the
 * call (never a fresh id per attempt): a call repeated after a crash, a timeout or a lost answer returns the first
 * call's result and moves no money twice. The same key with a different request is refused
 * (ProviderIdempotencyConflict), as Amazon Pay refuses a reused `x-amz-pay-idempotency-key`.
 */
import type {
  ChargebackOutcome,
  ChargeFailure,
  Money,
  PaymentMethodType,
  RefundSimulationCode,
  SimulationCode,
} from '@payment-ledger/contracts';
import type { HostedPageLinkCheck } from './amazon-pay-sandbox/hosted-page-link';

export type ProviderAuthorizationOutcome =
  | {
      status: 'AUTHORIZED';
      providerReference: string;
      /** The capture made in the same call when the request asked for `captureNow`; otherwise null. */
      capture: { providerReference: string } | null;
    }
  | { status: 'PENDING'; providerReference: string; checkAfter: string }
  /** `providerReference`: the declined authorization's record at the provider, where it keeps one (Amazon Pay does). */
  | { status: 'DECLINED'; failure: ChargeFailure; providerReference?: string };

export interface RedirectRequest {
  chargeId: string;
  /** The charge's merchant: a link opens one merchant's charge only. */
  merchantId: string;
}

export interface AgreementRedirectRequest {
  agreementId: string;
  merchantId: string;
}

/** Amazon Pay's "Create Charge": authorize the amount, and with `captureNow` capture it in the same call. */
export interface AuthorizeRequest {
  idempotencyKey: string;
  /** Our charge id (Amazon Pay's merchant reference). */
  chargeId: string;
  /** Our authorization id. */
  authorizationId: string;
  amount: Money;
  simulationCode: SimulationCode | null;
  /** Capture the whole amount as soon as it is authorized (now, or when a pending authorization settles). */
  captureNow: { captureId: string } | null;
  now: Date;
  /**
   * The merchant the charge is for (Amazon Pay knows it by the merchant's account the call is signed with): the
   * provider's notifications about the authorization name it. Not part of the request's identity.
   */
  merchantId?: string;
}

/** Asks about an authorization again (a "Get Charge"), e.g. a PENDING one after its `checkAfter`. */
export interface GetAuthorizationRequest {
  providerReference: string;
  now: Date;
}

export interface OperationRequest {
  idempotencyKey: string;
  chargeId: string;
  /** Our id of the capture or void. */
  operationId: string;
  authorizationReference: string;
  amount: Money;
}

/**
 * Amazon Pay's "Create Refund": gives back `amount` of what was captured for the charge. The provider keeps its own
 * books: it refuses (ProviderOperationRefused) a refund that, with the charge's earlier refunds not declined, would
 * exceed what it captured for the charge.
 */
export interface RefundRequest {
  /** The refund id (from the intent event that recorded the refund before the call). */
  idempotencyKey: string;
  /** Our charge id. */
  chargeId: string;
  /** Our refund id. */
  refundId: string;
  amount: Money;
  simulationCode: RefundSimulationCode | null;
  now: Date;
  /** The merchant the refund is for: the provider's notifications about it name it (as in AuthorizeRequest). */
  merchantId?: string;
}

export type ProviderRefundOutcome =
  | { status: 'SUCCEEDED'; providerReference: string }
  /** Accepted, not settled yet: ask again (getRefund) after `checkAfter`. */
  | { status: 'PENDING'; providerReference: string; checkAfter: string }
  /** `providerReference`: the declined refund's record at the provider, where it keeps one (Amazon Pay does). */
  | { status: 'DECLINED'; failure: ChargeFailure; providerReference?: string };

/**
 * A consumer's dispute of part of a captured charge, raised at the provider (in the sandbox, by its sandbox routes or
 * a test standing in for the consumer's bank). The provider keeps its own books: it refuses (ProviderOperationRefused)
 * a chargeback above what is left of the charge, its captures less its refunds not declined and its chargebacks open
 * or lost. Raised once per `chargebackId`: a raise repeated answers the chargeback made the first time.
 */
export interface RaiseChargebackRequest {
  /** Our charge id. */
  chargeId: string;
  /** Our chargeback id (the merchant reference the provider knows it by). */
  chargebackId: string;
  amount: Money;
  reason: string;
  now: Date;
  /** The merchant the charge is for: the provider's notification about the chargeback names it. */
  merchantId?: string;
}

/** The provider's decision of an open chargeback, by our chargeback id; final once made. */
export interface ResolveChargebackRequest {
  chargebackId: string;
  outcome: ChargebackOutcome;
  now: Date;
  /** The merchant the charge is for: the provider's notification about the decision names it. */
  merchantId?: string;
}

/** A chargeback as the provider keeps it ("Get Chargeback"). */
export interface ProviderChargeback {
  providerReference: string;
  chargeId: string;
  chargebackId: string;
  amount: Money;
  reason: string;
  state: 'OPEN' | ChargebackOutcome;
  createdAt: string;
  updatedAt: string;
}

/** The kinds of object a provider keeps, each answered by `get`. */
export type ProviderObjectType = 'authorization' | 'capture' | 'void' | 'refund';

/** A provider's record of one object, as its "Get" API answers it. */
export interface ProviderObject {
  type: ProviderObjectType;
  providerReference: string;
  /** Our charge id, and our id of the object (authorization, capture, void or refund id). */
  chargeId: string;
  operationId: string;
  amount: Money;
  /**
   * Amazon Pay's state names: AuthorizationInitiated, Authorized, Declined, Captured, Canceled; for a refund,
   * RefundInitiated, Refunded, Declined.
   */
  state: string;
  /** The authorization a capture or void belongs to (null for an authorization, and for a refund: it is the charge's). */
  authorizationReference: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PaymentMethodProvider {
  readonly paymentMethod: PaymentMethodType;
  /** Where to send the consumer to authenticate; the provider's hosted page. */
  createRedirect(request: RedirectRequest): { requestUrl: string; requestMethod: 'GET' };
  /** Whether a consumer's visit to the hosted page holds this charge's link, and it has not expired. */
  checkRedirectToken(request: RedirectRequest, token: string): HostedPageLinkCheck;
  /** Where to send the consumer to consent to a payment agreement (the method is saved for future purchases). */
  createAgreementRedirect(request: AgreementRedirectRequest): { requestUrl: string; requestMethod: 'GET' };
  checkAgreementRedirectToken(request: AgreementRedirectRequest, token: string): HostedPageLinkCheck;
  /** The failure recorded when the consumer cancels on the provider's page. */
  consumerCanceledFailure(simulationCode: SimulationCode | null): ChargeFailure;
  authorize(request: AuthorizeRequest): Promise<ProviderAuthorizationOutcome>;
  /** The current outcome of an authorization (a PENDING one settles once its delay has passed). */
  getAuthorization(request: GetAuthorizationRequest): Promise<ProviderAuthorizationOutcome>;
  capture(request: OperationRequest): Promise<{ providerReference: string }>;
  void(request: OperationRequest): Promise<{ providerReference: string }>;
  /** Create Refund, once per key; refused (ProviderOperationRefused) beyond what is left of the charge's captures. */
  refund(request: RefundRequest): Promise<ProviderRefundOutcome>;
  /** The current outcome of a refund (a PENDING one settles once its delay has passed), like getAuthorization. */
  getRefund(request: { providerReference: string; now: Date }): Promise<ProviderRefundOutcome>;
  /** Raises a chargeback, once per chargebackId; refused (ProviderOperationRefused) beyond what is left of the charge. */
  raiseChargeback(request: RaiseChargebackRequest): Promise<ProviderChargeback>;
  /**
   * Decides an open chargeback; the same outcome again answers it unchanged. Refused (ProviderOperationRefused
   * `chargeback_already_resolved`) when it was decided the other way; ProviderObjectNotFound when there is none.
   */
  resolveChargeback(request: ResolveChargebackRequest): Promise<ProviderChargeback>;
  /** Get Chargeback: the chargeback by its provider reference (the IPN's ObjectId); ProviderObjectNotFound if none. */
  getChargeback(request: { providerReference: string }): Promise<ProviderChargeback>;
  /** The provider's record of an object it made, or null when it has none by that reference. */
  get(type: ProviderObjectType, providerReference: string): Promise<ProviderObject | null>;
}

export const PAYMENT_METHOD_PROVIDER = Symbol('PaymentMethodProvider');
