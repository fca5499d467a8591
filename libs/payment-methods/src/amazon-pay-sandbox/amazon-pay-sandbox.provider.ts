import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChargeFailure, SimulationCode } from '@payment-ledger/contracts';
import type {
  AuthorizeRequest,
  OperationRequest,
  PaymentMethodProvider,
  ProviderAuthorizationOutcome,
  RedirectRequest,
  ResolveAuthorizationRequest,
} from '../payment-method-provider';
import { CONSUMER_CANCELED, SIMULATED_FAILURES } from './simulation-outcomes';

export interface AmazonPaySandboxOptions {
  /** Public base URL of the sandbox app that serves the hosted page, e.g. `http://127.0.0.1:3002`. */
  hostedPageBaseUrl: string;
  /** Signs the hosted page link so a guessed charge id cannot be approved by anyone else. */
  signingSecret: string;
  /** How long an `AuthorizationInitiated` authorization stays pending before it settles. */
  asyncAuthorizationDelayMs: number;
}

/**
 * The Amazon Pay sandbox: a faithful simulation of the provider's behaviour behind the provider port. It keeps no
 * state of its own: outcomes follow from the simulation code, and references derive from our operation ids, so
 * every call is idempotent.
 */
export class AmazonPaySandboxProvider implements PaymentMethodProvider {
  readonly paymentMethod = 'AMAZON_PAY' as const;

  constructor(private readonly options: AmazonPaySandboxOptions) {}

  createRedirect({ chargeId }: RedirectRequest): { requestUrl: string; requestMethod: 'GET' } {
    const base = this.options.hostedPageBaseUrl.replace(/\/+$/, '');
    const token = this.token(chargeId);
    return { requestUrl: `${base}/amazon-pay/checkout/${chargeId}?token=${token}`, requestMethod: 'GET' };
  }

  verifyRedirectToken(chargeId: string, token: string): boolean {
    const expected = Buffer.from(this.token(chargeId));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  createAgreementRedirect({ agreementId }: { agreementId: string }): { requestUrl: string; requestMethod: 'GET' } {
    const base = this.options.hostedPageBaseUrl.replace(/\/+$/, '');
    const token = this.token(`agreement:${agreementId}`);
    return { requestUrl: `${base}/amazon-pay/agreements/${agreementId}?token=${token}`, requestMethod: 'GET' };
  }

  verifyAgreementRedirectToken(agreementId: string, token: string): boolean {
    return this.verifyRedirectToken(`agreement:${agreementId}`, token);
  }

  consumerCanceledFailure(): ChargeFailure {
    return CONSUMER_CANCELED;
  }

  async authorize(request: AuthorizeRequest): Promise<ProviderAuthorizationOutcome> {
    const code: SimulationCode | null = request.simulationCode;
    const providerReference = `S01-${request.authorizationId.slice(-16)}`;
    if (code === null) return { status: 'AUTHORIZED', providerReference };
    if (code === 'AuthorizationInitiated') {
      const checkAfter = new Date(request.now.getTime() + this.options.asyncAuthorizationDelayMs).toISOString();
      return { status: 'PENDING', providerReference, checkAfter };
    }
    return { status: 'DECLINED', failure: SIMULATED_FAILURES[code] };
  }

  /** A simulated `AuthorizationInitiated` authorization settles as authorized once its delay has passed. */
  async resolveAuthorization(request: ResolveAuthorizationRequest): Promise<ProviderAuthorizationOutcome> {
    const providerReference = request.providerReference ?? `S01-${request.authorizationId.slice(-16)}`;
    return { status: 'AUTHORIZED', providerReference };
  }

  async capture(request: OperationRequest): Promise<{ providerReference: string }> {
    return { providerReference: `S01-C-${request.operationId.slice(-16)}` };
  }

  async void(request: OperationRequest): Promise<{ providerReference: string }> {
    return { providerReference: `S01-V-${request.operationId.slice(-16)}` };
  }

  private token(chargeId: string): string {
    return createHmac('sha256', this.options.signingSecret).update(chargeId).digest('base64url');
  }
}
