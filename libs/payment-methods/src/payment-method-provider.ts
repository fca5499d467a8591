/**
 * The provider port: what the charges service needs from a payment-method provider. The Amazon Pay sandbox
 * simulator implements it first; a real Amazon Pay API v2 client (signed `AMZN-PAY-RSASSA-PSS-V2` requests,
 * idempotency keys, IPN notifications) implements the same interface later.
 *
 * Every call carries our own id (authorization, capture or void id) as the provider idempotency key, so a call
 * repeated after a crash or a lost answer does the work once.
 */
import type { ChargeFailure, Money, PaymentMethodType, SimulationCode } from '@payment-ledger/contracts';

export type ProviderAuthorizationOutcome =
  | { status: 'AUTHORIZED'; providerReference: string }
  | { status: 'PENDING'; providerReference: string; checkAfter: string }
  | { status: 'DECLINED'; failure: ChargeFailure };

export interface RedirectRequest {
  chargeId: string;
}

export interface AuthorizeRequest {
  chargeId: string;
  authorizationId: string;
  amount: Money;
  simulationCode: SimulationCode | null;
  now: Date;
}

export interface ResolveAuthorizationRequest {
  chargeId: string;
  authorizationId: string;
  providerReference: string | null;
  now: Date;
}

export interface OperationRequest {
  chargeId: string;
  /** Our id of the capture or void: the idempotency key for the provider. */
  operationId: string;
  authorizationReference: string | null;
  amount: Money;
}

export interface PaymentMethodProvider {
  readonly paymentMethod: PaymentMethodType;
  /** Where to send the consumer to authenticate; the provider's hosted page. */
  createRedirect(request: RedirectRequest): { requestUrl: string; requestMethod: 'GET' };
  /** Verifies that a consumer's return from the hosted page belongs to this charge. */
  verifyRedirectToken(chargeId: string, token: string): boolean;
  /** Where to send the consumer to consent to a payment agreement (the method is saved for future purchases). */
  createAgreementRedirect(request: { agreementId: string }): { requestUrl: string; requestMethod: 'GET' };
  verifyAgreementRedirectToken(agreementId: string, token: string): boolean;
  /** The failure recorded when the consumer cancels on the provider's page. */
  consumerCanceledFailure(simulationCode: SimulationCode | null): ChargeFailure;
  authorize(request: AuthorizeRequest): Promise<ProviderAuthorizationOutcome>;
  /** Asks again about a PENDING (asynchronous) authorization. */
  resolveAuthorization(request: ResolveAuthorizationRequest): Promise<ProviderAuthorizationOutcome>;
  capture(request: OperationRequest): Promise<{ providerReference: string }>;
  void(request: OperationRequest): Promise<{ providerReference: string }>;
}

export const PAYMENT_METHOD_PROVIDER = Symbol('PaymentMethodProvider');
