/**
 * The Amazon Pay sandbox: a faithful simulation of the provider behind the provider port, keeping its own records
 * as the real one does (DESIGN.md, "The sandbox provider"): Amazon Pay's Charge objects (our authorizations), their
 * captures and voids, the refunds of our charges, their chargebacks (sandbox-chargeback.ts: raised, resolved and
 * announced by an IPN at once), and the idempotency keys it was called with. A replayed key returns the first answer and
 * moves no money twice; a reused key with another request is refused (ProviderIdempotencyConflict); a capture or
 * void the charge does not allow is refused (ProviderOperationRefused), and so is a refund beyond what the provider
 * captured for the charge less its refunds not declined (the provider's own books, whatever its caller believes). Outcomes follow Amazon Pay's simulation
 * codes (simulation-outcomes.ts). The redirect tokens stay stateless and expire (hosted-page-link.ts).
 *
 * Why it runs in-process, inside the charges service, when the real adapter will be a remote API: the port is
 * async and every money-moving call is keyed, so the callers' retry logic (a lost answer, a crash between the call
 * and recording its outcome, a replay with the same key) is exercised exactly as against a remote provider; and
 * in-process, the recurring-billing hot path (one authorize with CaptureNow per charge, hundreds per second) costs
 * no extra network hop or service, only one SQL statement per call, batched with the calls made at the same time.
 * Its records are in its own tables (migrations/0700_amazon_pay_sandbox.sql), behind a storage port
 * (SandboxProviderRecords) so this class holds no SQL.
 *
 * Faults for tests: `loseNextAnswers` makes calls do their work and then fail with ProviderUnavailable (the answer
 * was lost on the way back), `failNextCalls` makes them fail before doing anything.
 *
 * A pending (AuthorizationInitiated) charge settles when asked about with `getAuthorization` at or after its
 * `checkAfter`, and a pending (RefundInitiated) refund with `getRefund`. With a `notifier` (SANDBOX_NOTIFICATIONS_URL
 * set), the sandbox also moves them on by itself, as Amazon Pay does: once the delay has passed it settles the
 * object and sends an IPN naming it (sandbox-notifications.ts), so the caller learns of it without polling. The wait
 * is a timer of this process, not a durable one: a restart loses it, and the object then settles when next asked
 * about, which the callers' own timers do after `checkAfter` (the poll that stays for lost notifications).
 */
import type { ChargeFailure } from '@payment-ledger/contracts';
import type {
  AgreementRedirectRequest,
  AuthorizeRequest,
  GetAuthorizationRequest,
  OperationRequest,
  PaymentMethodProvider,
  ProviderAuthorizationOutcome,
  ProviderChargeback,
  RaiseChargebackRequest,
  ResolveChargebackRequest,
  ProviderObject,
  ProviderObjectType,
  ProviderRefundOutcome,
  RedirectRequest,
  RefundRequest,
} from '../payment-method-provider';
import {
  ProviderIdempotencyConflict,
  ProviderObjectNotFound,
  ProviderOperationRefused,
  ProviderUnavailable,
} from '../provider-errors';
import {
  authorizeFingerprint,
  newProviderReference,
  openCharge,
  operationFingerprint,
  outcomeOf,
  refusalOf,
  type SandboxCharge,
  type SandboxOperation,
  type SandboxOperationType,
} from './sandbox-charge';
import {
  openRefund,
  type RefundBooks,
  refundFingerprint,
  refundOutcomeOf,
  refundRefusalOf,
  type SandboxRefund,
} from './sandbox-refund';
import {
  chargebackLeft,
  chargebackOutcomeOf,
  chargebackRefusalOf,
  openChargeback,
  resolveChargebackOf,
} from './sandbox-chargeback';
import { checkHostedPageLink, type HostedPageLinkCheck, signHostedPageLink } from './hosted-page-link';
import type { KeyedAnswer, SandboxProviderRecords } from './sandbox-provider-records';
import {
  SANDBOX_CHARGEBACK_NOTIFICATION_TYPES,
  type SandboxNotice,
  type SandboxNotifier,
} from './sandbox-notifications';
import { CONSUMER_CANCELED } from './simulation-outcomes';

export interface AmazonPaySandboxOptions {
  /** Public base URL of the sandbox app that serves the hosted page, e.g. `http://127.0.0.1:3002`. */
  hostedPageBaseUrl: string;
  /** Signs the hosted page link so a guessed charge id cannot be approved by anyone else. */
  signingSecret: string;
  /** How long a hosted page link opens its page, from when it is made (SANDBOX_LINK_TTL_MS). */
  linkTtlMs: number;
  /** How long an `AuthorizationInitiated` authorization stays pending before it settles. */
  asyncAuthorizationDelayMs: number;
  /** How long a `RefundInitiated` refund (simulation code RefundDelayed) stays pending; asyncAuthorizationDelayMs by default. */
  asyncRefundDelayMs?: number;
  /**
   * Sandbox only: how long the provider holds its answer to a refund it has just made (a slow provider; 0 or absent:
   * none). The refund is in its books meanwhile; a replay of the same key answers at once.
   */
  refundAnswerDelayMs?: number;
  /**
   * The provider's clock: when links expire, and when captures and voids happen (authorizations take the request's
   * `now`).
   */
  clock?: { now(): Date };
  /**
   * Where the sandbox's notifications go (null or absent: it sends none). Only calls naming their merchant
   * (`merchantId`) get one: an IPN names the merchant it is for.
   */
  notifier?: SandboxNotifier | null;
  /** What became of a delayed outcome the sandbox could not settle or announce (a log line). */
  onNotificationFailure?: (notice: SandboxNotice, error: unknown) => void;
}

/** The calls a simulated fault can hit. */
export type SandboxCall =
  | 'authorize'
  | 'getAuthorization'
  | 'capture'
  | 'void'
  | 'refund'
  | 'getRefund'
  | 'raiseChargeback'
  | 'resolveChargeback'
  | 'getChargeback';

/** The calls a fault armed without naming its calls hits (the chargeback calls only when named). */

const ALL_CALLS: readonly SandboxCall[] = ['authorize', 'getAuthorization', 'capture', 'void', 'refund', 'getRefund'];

interface ArmedFault {
  when: 'before' | 'after';
  remaining: number;
  calls: readonly SandboxCall[];
}

export class AmazonPaySandboxProvider implements PaymentMethodProvider {
  readonly paymentMethod = 'AMAZON_PAY' as const;
  private readonly faults: ArmedFault[] = [];

  constructor(
    private readonly options: AmazonPaySandboxOptions,
    private readonly records: SandboxProviderRecords,
  ) {}

  createRedirect({ chargeId, merchantId }: RedirectRequest): { requestUrl: string; requestMethod: 'GET' } {
    const token = this.sign({ kind: 'charge', id: chargeId, merchantId });
    return { requestUrl: `${this.baseUrl()}/amazon-pay/checkout/${chargeId}?token=${token}`, requestMethod: 'GET' };
  }

  checkRedirectToken({ chargeId, merchantId }: RedirectRequest, token: string): HostedPageLinkCheck {
    const subject = { kind: 'charge' as const, id: chargeId, merchantId };
    return checkHostedPageLink(this.options.signingSecret, subject, token, this.now());
  }

  createAgreementRedirect({ agreementId, merchantId }: AgreementRedirectRequest): {
    requestUrl: string;
    requestMethod: 'GET';
  } {
    const token = this.sign({ kind: 'agreement', id: agreementId, merchantId });
    return {
      requestUrl: `${this.baseUrl()}/amazon-pay/agreements/${agreementId}?token=${token}`,
      requestMethod: 'GET',
    };
  }

  checkAgreementRedirectToken(
    { agreementId, merchantId }: AgreementRedirectRequest,
    token: string,
  ): HostedPageLinkCheck {
    const subject = { kind: 'agreement' as const, id: agreementId, merchantId };
    return checkHostedPageLink(this.options.signingSecret, subject, token, this.now());
  }

  consumerCanceledFailure(): ChargeFailure {
    return CONSUMER_CANCELED;
  }

  /** Create Charge: authorizes (and with `captureNow` captures) as the simulation code says; once per key. */
  authorize(request: AuthorizeRequest): Promise<ProviderAuthorizationOutcome> {
    return this.call('authorize', async () => {
      const fingerprint = authorizeFingerprint(request);
      const { charge, capture } = openCharge(
        request,
        { authorization: newProviderReference('authorization'), capture: newProviderReference('capture') },
        this.options.asyncAuthorizationDelayMs,
      );
      const answer = await this.records.openCharge({
        idempotencyKey: request.idempotencyKey,
        fingerprint,
        charge,
        capture,
        response: outcomeOf(charge),
      });
      if (answer.status === 'recorded' && charge.state === 'AuthorizationInitiated' && charge.settlesAt !== null) {
        this.settleLater(charge.settlesAt, request.merchantId, {
          objectType: 'CHARGE',
          objectId: charge.providerReference,
          chargePermissionId: request.chargeId,
          settle: (at) => this.records.settleCharge(charge.providerReference, at),
        });
      }
      return this.answerOf('authorize', request.idempotencyKey, fingerprint, answer);
    });
  }

  /** Get Charge: the authorization as it stands at `now`; a pending one settles once its `checkAfter` has passed. */
  getAuthorization({ providerReference, now }: GetAuthorizationRequest): Promise<ProviderAuthorizationOutcome> {
    return this.call('getAuthorization', async () => {
      const charge = await this.records.settleCharge(providerReference, now);
      if (charge === null) throw new ProviderObjectNotFound('authorization', providerReference);
      return outcomeOf(charge);
    });
  }

  capture(request: OperationRequest): Promise<{ providerReference: string }> {
    return this.call('capture', () => this.operate('capture', request));
  }

  /** Cancel Charge: releases what the authorization has not captured; refused once it is fully captured. */
  void(request: OperationRequest): Promise<{ providerReference: string }> {
    return this.call('void', () => this.operate('void', request));
  }

  /**
   * Create Refund: once per key, refused (ProviderOperationRefused, no key used up) beyond what the charge's books
   * allow; then as the simulation code says: Refunded at once, RefundInitiated (RefundDelayed) or Declined
   * (RefundDeclined, which takes nothing from the books).
   */
  refund(request: RefundRequest): Promise<ProviderRefundOutcome> {
    return this.call('refund', async () => {
      const fingerprint = refundFingerprint(request);
      const refund = openRefund(request, newProviderReference('refund'), this.refundDelayMs());
      const answer = await this.records.openRefund({
        idempotencyKey: request.idempotencyKey,
        fingerprint,
        refund,
        response: refundOutcomeOf(refund),
      });
      if (answer.status === 'recorded' && refund.state === 'RefundInitiated' && refund.settlesAt !== null) {
        this.settleLater(refund.settlesAt, request.merchantId, {
          objectType: 'REFUND',
          objectId: refund.providerReference,
          chargePermissionId: request.chargeId,
          settle: (at) => this.records.settleRefund(refund.providerReference, at),
        });
      }
      if (answer.status === 'recorded' && (this.options.refundAnswerDelayMs ?? 0) > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.options.refundAnswerDelayMs));
      }
      if (answer.status !== 'refused') return this.answerOf('refund', request.idempotencyKey, fingerprint, answer);
      const reason = refundRefusalOf(request.amount, answer.books) ?? 'amount_exceeds_refundable';
      throw new ProviderOperationRefused(
        reason,
        'refund',
        request.chargeId,
        refundRefusalMessage(request, answer.books),
      );
    });
  }

  /** Get Refund: the refund as it stands at `now`; a RefundInitiated one settles once its `checkAfter` has passed. */
  getRefund({ providerReference, now }: { providerReference: string; now: Date }): Promise<ProviderRefundOutcome> {
    return this.call('getRefund', async () => {
      const refund = await this.records.settleRefund(providerReference, now);
      if (refund === null) throw new ProviderObjectNotFound('refund', providerReference);
      return refundOutcomeOf(refund);
    });
  }

  /**
   * A consumer's dispute reaching the provider (in the sandbox: its sandbox routes, or a test standing in for the
   * consumer's bank): OPEN, once per chargebackId (a repeat answers the first, and sends nothing again), refused
   * (ProviderOperationRefused) beyond what is left of the charge; announced by an IPN (ObjectType CHARGEBACK) when
   * it names its merchant and notifications are on.
   */
  raiseChargeback(request: RaiseChargebackRequest): Promise<ProviderChargeback> {
    return this.call('raiseChargeback', async () => {
      const answer = await this.records.openChargeback(openChargeback(request, newProviderReference('chargeback')));
      if (answer.status === 'refused') {
        const reason = chargebackRefusalOf(request.amount, answer.books) ?? 'amount_exceeds_refundable';
        throw new ProviderOperationRefused(
          reason,
          'chargeback',
          request.chargeId,
          `cannot charge back ${request.amount.value} ${request.amount.currency} of charge ${request.chargeId}: ` +
            `${chargebackLeft(answer.books)} left after its refunds and chargebacks`,
        );
      }
      if (answer.status === 'recorded') {
        this.announce(request.merchantId, answer.chargeback, SANDBOX_CHARGEBACK_NOTIFICATION_TYPES.opened);
      }
      return chargebackOutcomeOf(answer.chargeback);
    });
  }

  /** The provider decides the dispute: final once made; the same outcome again answers it, and sends nothing. */
  resolveChargeback(request: ResolveChargebackRequest): Promise<ProviderChargeback> {
    return this.call('resolveChargeback', async () => {
      let refusal: 'chargeback_already_resolved' | null = null;
      let decided = false;
      const chargeback = await this.records.updateChargeback(request.chargebackId, (current) => {
        const next = resolveChargebackOf(current, request.outcome, request.now);
        refusal = next === 'chargeback_already_resolved' ? next : null;
        decided = typeof next === 'object' && next !== null;
        return typeof next === 'object' ? next : null;
      });
      if (chargeback === null) throw new ProviderObjectNotFound('chargeback', request.chargebackId);
      if (refusal !== null) {
        throw new ProviderOperationRefused(
          refusal,
          'chargeback',
          chargeback.chargeId,
          `chargeback ${request.chargebackId} was already resolved ${chargeback.state}`,
        );
      }
      if (decided) this.announce(request.merchantId, chargeback, SANDBOX_CHARGEBACK_NOTIFICATION_TYPES.resolved);
      return chargebackOutcomeOf(chargeback);
    });
  }

  /** Get Chargeback, by the provider's reference (the ObjectId of its IPN). */
  getChargeback({ providerReference }: { providerReference: string }): Promise<ProviderChargeback> {
    return this.call('getChargeback', async () => {
      const chargeback = await this.records.findChargeback(providerReference);
      if (chargeback === null) throw new ProviderObjectNotFound('chargeback', providerReference);
      return chargebackOutcomeOf(chargeback);
    });
  }

  async get(type: ProviderObjectType, providerReference: string): Promise<ProviderObject | null> {
    if (type === 'authorization') {
      const charge = await this.records.findCharge(providerReference);
      return charge && authorizationObject(charge);
    }
    if (type === 'refund') {
      const refund = await this.records.findRefund(providerReference);
      return refund && refundObject(refund);
    }
    const operation = await this.records.findOperation(type, providerReference);
    return operation && operationObject(operation);
  }

  /**
   * Test hook: the next `count` calls (of `calls`, by default every call but `get`) do their work and record it,
   * then throw ProviderUnavailable, as when the provider's answer is lost on the way back.
   */
  loseNextAnswers(count: number, calls: readonly SandboxCall[] = ALL_CALLS): void {
    this.faults.push({ when: 'after', remaining: count, calls });
  }

  /** Test hook: the next `count` calls (of `calls`) throw ProviderUnavailable before doing anything. */
  failNextCalls(count: number, calls: readonly SandboxCall[] = ALL_CALLS): void {
    this.faults.push({ when: 'before', remaining: count, calls });
  }

  /**
   * When `settlesAt` comes, settles the object (as of then: the sandbox's wait stands for the provider's own clock)
   * and sends its notification; not awaited by the call that made the object. Nothing without a notifier or a
   * merchant to name.
   */
  private settleLater(
    settlesAt: string,
    merchantId: string | undefined,
    target: Omit<SandboxNotice, 'merchantId'> & { settle: (at: Date) => Promise<unknown> },
  ): void {
    const notifier = this.options.notifier;
    if (!notifier || !merchantId) return;
    const { settle, ...rest } = target;
    const notice: SandboxNotice = { ...rest, merchantId };
    const due = Date.parse(settlesAt);
    const wait = Math.max(0, due - this.now().getTime());
    setTimeout(() => {
      settle(new Date(Math.max(due, this.now().getTime())))
        .then(() => notifier.notify(notice))
        .catch((error: unknown) => this.options.onNotificationFailure?.(notice, error));
    }, wait).unref();
  }

  /** An IPN about a chargeback, sent now (nothing without a notifier or a merchant to name). */
  private announce(
    merchantId: string | undefined,
    chargeback: { providerReference: string; chargeId: string },
    notificationType: string,
  ): void {
    const notifier = this.options.notifier;
    if (!notifier || !merchantId) return;
    notifier.notify({
      merchantId,
      objectType: 'CHARGEBACK',
      objectId: chargeback.providerReference,
      chargePermissionId: chargeback.chargeId,
      notificationType,
    });
  }

  private async operate(type: SandboxOperationType, request: OperationRequest): Promise<{ providerReference: string }> {
    const fingerprint = operationFingerprint(type, request);
    const answer = await this.records.applyOperation({
      idempotencyKey: request.idempotencyKey,
      fingerprint,
      type,
      providerReference: newProviderReference(type),
      chargeReference: request.authorizationReference,
      chargeId: request.chargeId,
      operationId: request.operationId,
      amount: request.amount,
      at: this.now().toISOString(),
    });
    if (answer.status !== 'refused') return this.answerOf(type, request.idempotencyKey, fingerprint, answer);
    const reason = refusalOf(type, answer.charge, request.amount) ?? 'amount_exceeds_capturable';
    throw new ProviderOperationRefused(
      reason,
      type,
      request.authorizationReference,
      refusalMessage(type, answer.charge, request, reason),
    );
  }

  private answerOf<Response>(
    operation: string,
    key: string,
    fingerprint: string,
    answer: KeyedAnswer<Response>,
  ): Response {
    if (answer.status === 'replayed' && (answer.operation !== operation || answer.fingerprint !== fingerprint)) {
      throw new ProviderIdempotencyConflict(key, operation, answer.operation);
    }
    return answer.response;
  }

  private async call<T>(name: SandboxCall, work: () => Promise<T>): Promise<T> {
    if (this.takeFault(name, 'before')) throw new ProviderUnavailable(`Amazon Pay sandbox: ${name} failed (simulated)`);
    let result: T;
    try {
      result = await work();
    } catch (error) {
      if (this.takeFault(name, 'after')) throw lostAnswer(name);
      throw error;
    }
    if (this.takeFault(name, 'after')) throw lostAnswer(name);
    return result;
  }

  private takeFault(name: SandboxCall, when: ArmedFault['when']): boolean {
    const fault = this.faults.find((f) => f.when === when && f.remaining > 0 && f.calls.includes(name));
    if (!fault) return false;
    fault.remaining--;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return true;
  }

  private sign(subject: Parameters<typeof signHostedPageLink>[1]): string {
    const expiresAt = new Date(this.now().getTime() + this.options.linkTtlMs);
    return signHostedPageLink(this.options.signingSecret, subject, expiresAt);
  }

  private baseUrl(): string {
    return this.options.hostedPageBaseUrl.replace(/\/+$/, '');
  }

  private now(): Date {
    return this.options.clock?.now() ?? new Date();
  }

  private refundDelayMs(): number {
    return this.options.asyncRefundDelayMs ?? this.options.asyncAuthorizationDelayMs;
  }
}

function lostAnswer(name: SandboxCall): ProviderUnavailable {
  return new ProviderUnavailable(`Amazon Pay sandbox: the answer to ${name} was lost (simulated; the call was done)`);
}

function refusalMessage(
  type: SandboxOperationType,
  charge: SandboxCharge | null,
  request: OperationRequest,
  reason: string,
): string {
  const subject = `cannot ${type} authorization ${request.authorizationReference}`;
  if (charge === null) return `${subject}: the provider has no such authorization`;
  return (
    `${subject} (${reason}): it is ${charge.state}, ${charge.amount.value} ${charge.amount.currency} authorized, ` +
    `${charge.capturedAmount} captured, ${charge.canceledAmount} released; asked ${request.amount.value} ` +
    `${request.amount.currency}`
  );
}

function refundRefusalMessage(request: RefundRequest, books: RefundBooks): string {
  const captured = books.captured ? `${books.captured.value} ${books.captured.currency}` : 'nothing';
  return (
    `cannot refund ${request.amount.value} ${request.amount.currency} of charge ${request.chargeId}: ` +
    `${captured} captured, ${books.refunded} refunded or being refunded`
  );
}

function refundObject(refund: SandboxRefund): ProviderObject {
  return {
    type: 'refund',
    providerReference: refund.providerReference,
    chargeId: refund.chargeId,
    operationId: refund.refundId,
    amount: refund.amount,
    state: refund.state,
    authorizationReference: null,
    createdAt: refund.createdAt,
    updatedAt: refund.updatedAt,
  };
}

function authorizationObject(charge: SandboxCharge): ProviderObject {
  return {
    type: 'authorization',
    providerReference: charge.providerReference,
    chargeId: charge.chargeId,
    operationId: charge.authorizationId,
    amount: charge.amount,
    state: charge.state,
    authorizationReference: null,
    createdAt: charge.createdAt,
    updatedAt: charge.updatedAt,
  };
}

function operationObject(operation: SandboxOperation): ProviderObject {
  return {
    type: operation.type,
    providerReference: operation.providerReference,
    chargeId: operation.chargeId,
    operationId: operation.operationId,
    amount: operation.amount,
    state: operation.state,
    authorizationReference: operation.chargeReference,
    createdAt: operation.createdAt,
    updatedAt: operation.updatedAt,
  };
}
