/**
 * The public model of a payment charge: the fold of a `charge:<id>` stream into its state, and that state as the API
 * shows it (`GET /v1/payment-charges/{id}`, seed 001's response shape), as of any event of the stream.
 *
 * It lives in the contracts, not in apps/charges, because it is as public as the events it folds: the charges
 * service decides with it (its decider's `evolve` is this one; `decide` stays in the app's domain), and the gateway,
 * a webhooks service or an analysts' CLI rebuild a charge from the log with it without importing an app. Same
 * pattern as agreement.model.ts (see libs/contracts/README.md).
 */
import { parseChargeEvent } from '../events/charge-event-contracts';
import type { ChargeCreated, ChargeEvent } from '../events/charge-events';
import type { ChargeFailure, ChargeStatus, HistoryEntry, PaymentChargeResource, VoidReason } from '../payment-charge';
import type { ChargebackStatus, RefundStatus } from '../payment-refund';
import { type AsOf, foldAsOf, type StoredStreamEvent } from './as-of';

/** PROCESSING: the intent is recorded and the provider's answer is not (yet): a pending outside call. */
export interface AuthorizationRecord {
  id: string;
  amount: number;
  status: 'PROCESSING' | 'AUTHORIZED' | 'PENDING' | 'DECLINED';
  providerReference: string | null;
  /** The capture asked for in the same provider call (automatic capture), if any. */
  captureNow: { captureId: string } | null;
  createdAt: string;
  updatedAt: string;
}
export interface CaptureRecord {
  id: string;
  amount: number;
  status: 'PROCESSING' | 'CAPTURED' | 'FAILED';
  providerReference: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface VoidRecord {
  id: string;
  amount: number;
  status: 'PROCESSING' | 'VOIDED' | 'FAILED';
  reason: VoidReason;
  providerReference: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * A refund as the charge records it from the refunds service's events (ChargeRefund…): that service owns the refund
 * (its `refund:<chargeId>` stream); this is the charge's view of it, for its status and `refunds[]`.
 */
export interface RefundOnCharge {
  id: string;
  amount: number;
  status: RefundStatus;
  createdAt: string;
  updatedAt: string;
}
/** A chargeback as the charge records it (ChargeChargeback…). */
export interface ChargebackOnCharge {
  id: string;
  amount: number;
  status: ChargebackStatus;
  reason: string;
  createdAt: string;
  updatedAt: string;
}

/** What the charge was created with (its `ChargeCreated` payload, under its id), and what happened since. */
export interface ChargeDetails extends Omit<ChargeCreated['data'], 'historyId' | 'at' | 'chargeId'> {
  id: string;
  captureExpiresAt: string | null;
  /** When a pending (async) authorization should be asked about again. */
  checkAuthorizationAfter: string | null;
  authorizations: AuthorizationRecord[];
  captures: CaptureRecord[];
  voids: VoidRecord[];
  /**
   * Absent from states folded (and stored by read models) before refunds existed: read them through refundsOf and
   * chargebacksOf.
   */
  refunds: RefundOnCharge[];
  chargebacks: ChargebackOnCharge[];
  history: HistoryEntry[];
  failure: ChargeFailure | null;
  createdAt: string;
  updatedAt: string;
}

/** JSON-safe (ISO strings, integers), so read models can store it as is. */
export type ChargeState = { status: 'NEW' } | ({ status: ChargeStatus } & ChargeDetails);
export type ExistingCharge = Extract<ChargeState, { id: string }>;

export const initialChargeState: ChargeState = { status: 'NEW' };

export function chargeExists(state: ChargeState): state is ExistingCharge {
  return state.status !== 'NEW';
}

export function authorizedAmount(state: ExistingCharge): number {
  return state.authorizations.filter((a) => a.status === 'AUTHORIZED').reduce((total, a) => total + a.amount, 0);
}
/** Captured, or asked of the provider and not yet answered (money already spoken for). */
export function capturedAmount(state: ExistingCharge): number {
  return state.captures.reduce((total, c) => (c.status === 'FAILED' ? total : total + c.amount), 0);
}
export function voidedAmount(state: ExistingCharge): number {
  return state.voids.reduce((total, v) => (v.status === 'FAILED' ? total : total + v.amount), 0);
}
/** What can still be captured or voided: authorized − captured − voided (processing ones included). */
export function openAmount(state: ExistingCharge): number {
  return authorizedAmount(state) - capturedAmount(state) - voidedAmount(state);
}

/** A charge's refunds; none on a state stored before refunds existed. */
export function refundsOf(state: ExistingCharge): RefundOnCharge[] {
  return state.refunds ?? [];
}
export function chargebacksOf(state: ExistingCharge): ChargebackOnCharge[] {
  return state.chargebacks ?? [];
}

/**
 * The status of a charge with money captured, from its refunds: `REFUND_PROCESSING` while any refund is pending,
 * `REFUNDED` once the refunds that succeeded add up to all that was captured (captures answered CAPTURED), otherwise
 * `CAPTURED`. Chargebacks show in `chargebacks[]` and leave the status as it is.
 */
function capturedStatus(state: ExistingCharge): ChargeStatus {
  const refunds = refundsOf(state);
  if (refunds.some((r) => r.status === 'REFUND_PENDING')) return 'REFUND_PROCESSING';
  const captured = state.captures.reduce((total, c) => (c.status === 'CAPTURED' ? total + c.amount : total), 0);
  const refunded = refunds.reduce((total, r) => (r.status === 'SUCCEEDED' ? total + r.amount : total), 0);
  return captured > 0 && refunded >= captured ? 'REFUNDED' : 'CAPTURED';
}

/** After a refund's step: its status as captured money (capturedStatus); other statuses stay (refunds need one). */
function statusAfterRefundStep(state: ExistingCharge): ChargeStatus {
  const captured: ChargeStatus[] = ['CAPTURED', 'REFUND_PROCESSING', 'REFUNDED'];
  return captured.includes(state.status) ? capturedStatus(state) : state.status;
}

function withStatus(state: ExistingCharge, status: ChargeStatus, historyId: string, at: string): ExistingCharge {
  if (status === state.status) return { ...state, updatedAt: at };
  return { ...state, status, updatedAt: at, history: [...state.history, { id: historyId, status, createdAt: at }] };
}

/** Folds one event into a charge's state: total, never throws; a type this build does not know changes nothing. */
export function evolveCharge(state: ChargeState, event: ChargeEvent): ChargeState {
  if (event.type === 'ChargeCreated') {
    const d = event.data;
    const initiator = d.initiator ?? 'CONSUMER';
    const status: ChargeStatus = initiator === 'MERCHANT' ? 'AUTHORIZATION_PROCESSING' : 'AUTHENTICATION_PENDING';
    return {
      status,
      id: d.chargeId,
      merchant: d.merchant,
      paymentMethod: d.paymentMethod,
      amount: d.amount,
      consumer: d.consumer,
      captureMethod: d.captureMethod,
      initiator,
      agreementId: d.agreementId ?? null,
      instrumentId: d.instrumentId ?? null,
      returnUrl: d.returnUrl,
      webhooksUrl: d.webhooksUrl,
      merchantPaymentChargeReference: d.merchantPaymentChargeReference,
      simulationCode: d.simulationCode,
      authentication: d.authentication,
      authenticationExpiresAt: d.authenticationExpiresAt,
      captureExpiresAt: null,
      checkAuthorizationAfter: null,
      authorizations: [],
      captures: [],
      voids: [],
      refunds: [],
      chargebacks: [],
      history: [{ id: d.historyId, status, createdAt: d.at }],
      failure: null,
      createdAt: d.at,
      updatedAt: d.at,
    };
  }
  if (!chargeExists(state)) return state;
  switch (event.type) {
    case 'ChargeAuthenticationCompleted':
      return withStatus(state, 'AUTHORIZATION_PROCESSING', event.data.historyId, event.data.at);
    case 'ChargeAuthenticationFailed':
      return { ...withStatus(state, 'FAILED', event.data.historyId, event.data.at), failure: event.data.failure };
    case 'ChargeAuthorizationRequested': {
      const d = event.data;
      return {
        ...withStatus(state, state.status, d.historyId, d.at),
        authorizations: upsert(state.authorizations, {
          id: d.authorizationId,
          amount: d.amount,
          status: 'PROCESSING',
          providerReference: null,
          captureNow: d.captureNow,
          createdAt: d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeAuthorizationPending': {
      const d = event.data;
      const previous = state.authorizations.find((a) => a.id === d.authorizationId);
      return {
        ...withStatus(state, 'AUTHORIZATION_ASYNC', d.historyId, d.at),
        checkAuthorizationAfter: d.checkAfter,
        authorizations: upsert(state.authorizations, {
          id: d.authorizationId,
          amount: d.amount,
          status: 'PENDING',
          providerReference: d.providerReference,
          captureNow: previous?.captureNow ?? null,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeAuthorized': {
      const d = event.data;
      const next = state.captureMethod === 'MANUAL' ? 'CAPTURE_PENDING' : 'CAPTURE_PROCESSING';
      const previous = state.authorizations.find((a) => a.id === d.authorizationId);
      return {
        ...withStatus(state, next, d.historyId, d.at),
        captureExpiresAt: d.captureExpiresAt,
        checkAuthorizationAfter: null,
        authorizations: upsert(state.authorizations, {
          id: d.authorizationId,
          amount: d.amount,
          status: 'AUTHORIZED',
          providerReference: d.providerReference,
          captureNow: previous?.captureNow ?? null,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeAuthorizationDeclined': {
      const d = event.data;
      const previous = state.authorizations.find((a) => a.id === d.authorizationId);
      return {
        ...withStatus(state, 'FAILED', d.historyId, d.at),
        failure: d.failure,
        checkAuthorizationAfter: null,
        authorizations: upsert(state.authorizations, {
          id: d.authorizationId,
          amount: d.amount,
          status: 'DECLINED',
          providerReference: previous?.providerReference ?? null,
          captureNow: previous?.captureNow ?? null,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeCaptureRequested': {
      const d = event.data;
      // A first capture of an authorization waiting for one is under way; a further partial one leaves it CAPTURED.
      const next = state.status === 'CAPTURE_PENDING' ? 'CAPTURE_PROCESSING' : state.status;
      return {
        ...withStatus(state, next, d.historyId, d.at),
        captures: upsertOperation(state.captures, {
          id: d.captureId,
          amount: d.amount,
          status: 'PROCESSING',
          providerReference: null,
          createdAt: d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeCaptured': {
      const d = event.data;
      const previous = state.captures.find((c) => c.id === d.captureId);
      const captured: ExistingCharge = {
        ...state,
        captures: upsertOperation(state.captures, {
          id: d.captureId,
          amount: d.amount,
          status: 'CAPTURED',
          providerReference: d.providerReference,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
      // CAPTURED, unless a refund is pending (a further partial capture while one is) or all is refunded.
      return withStatus(captured, capturedStatus(captured), d.historyId, d.at);
    }
    case 'ChargeCaptureFailed': {
      const d = event.data;
      const previous = state.captures.find((c) => c.id === d.captureId);
      return {
        ...withStatus(state, statusAfterRefusal(state, 'CAPTURE_PROCESSING'), d.historyId, d.at),
        captures: upsertOperation(state.captures, {
          id: d.captureId,
          amount: d.amount,
          status: 'FAILED',
          providerReference: null,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeVoidFailed': {
      const d = event.data;
      const previous = state.voids.find((v) => v.id === d.voidId);
      return {
        ...withStatus(state, statusAfterRefusal(state, 'VOID_PROCESSING'), d.historyId, d.at),
        voids: upsertOperation(state.voids, {
          id: d.voidId,
          amount: d.amount,
          status: 'FAILED',
          reason: d.reason,
          providerReference: null,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeVoidRequested': {
      const d = event.data;
      const next = state.status === 'CAPTURE_PENDING' ? 'VOID_PROCESSING' : state.status;
      return {
        ...withStatus(state, next, d.historyId, d.at),
        voids: upsertOperation(state.voids, {
          id: d.voidId,
          amount: d.amount,
          status: 'PROCESSING',
          reason: d.reason,
          providerReference: null,
          createdAt: d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeVoided': {
      const d = event.data;
      // Releasing the rest of a partly captured charge leaves it CAPTURED; releasing all of it makes it VOIDED.
      const next = state.captures.some((c) => c.status === 'CAPTURED') ? state.status : 'VOIDED';
      const previous = state.voids.find((v) => v.id === d.voidId);
      return {
        ...withStatus(state, next, d.historyId, d.at),
        voids: upsertOperation(state.voids, {
          id: d.voidId,
          amount: d.amount,
          status: 'VOIDED',
          reason: d.reason,
          providerReference: d.providerReference,
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        }),
      };
    }
    case 'ChargeRefundPending': {
      const d = event.data;
      const previous = refundsOf(state).find((r) => r.id === d.refundId);
      return withRefund(
        state,
        {
          id: d.refundId,
          amount: d.amount,
          status: 'REFUND_PENDING',
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        },
        d,
      );
    }
    case 'ChargeRefundSucceeded':
    case 'ChargeRefundFailed': {
      const d = event.data;
      const previous = refundsOf(state).find((r) => r.id === d.refundId);
      return withRefund(
        state,
        {
          id: d.refundId,
          amount: d.amount,
          status: event.type === 'ChargeRefundSucceeded' ? 'SUCCEEDED' : 'FAILED',
          createdAt: previous?.createdAt ?? d.at,
          updatedAt: d.at,
        },
        d,
      );
    }
    case 'ChargeChargebackOpened': {
      const d = event.data;
      return withChargeback(state, d.chargebackId, { amount: d.amount, status: 'OPEN', reason: d.reason }, d);
    }
    case 'ChargeChargebackResolved': {
      const d = event.data;
      return withChargeback(state, d.chargebackId, { amount: d.amount, status: d.outcome }, d);
    }
    default:
      // A type this version does not know (written by a newer one) changes nothing here.
      return state;
  }
}

/** A refused capture or void undoes its `…_PROCESSING` status: back to waiting for a capture, or CAPTURED. */
function statusAfterRefusal(state: ExistingCharge, processing: ChargeStatus): ChargeStatus {
  if (state.status !== processing) return state.status;
  return state.captures.some((c) => c.status === 'CAPTURED') ? capturedStatus(state) : 'CAPTURE_PENDING';
}

/** The charge with a refund's new step recorded, and the status its refunds give it. */
function withRefund(state: ExistingCharge, refund: RefundOnCharge, at: { historyId: string; at: string }) {
  const next: ExistingCharge = { ...state, refunds: upsertOperation(refundsOf(state), refund) };
  return withStatus(next, statusAfterRefundStep(next), at.historyId, at.at);
}

/** A chargeback opened or resolved: its entry (reason and creation time kept from when it opened); status unchanged. */
function withChargeback(
  state: ExistingCharge,
  id: string,
  change: Pick<ChargebackOnCharge, 'amount' | 'status'> & { reason?: string },
  at: { historyId: string; at: string },
): ExistingCharge {
  const previous = chargebacksOf(state).find((c) => c.id === id);
  return {
    ...withStatus(state, state.status, at.historyId, at.at),
    chargebacks: upsertOperation(chargebacksOf(state), {
      id,
      amount: change.amount,
      status: change.status,
      reason: change.reason ?? previous?.reason ?? '',
      createdAt: previous?.createdAt ?? at.at,
      updatedAt: at.at,
    }),
  };
}

function upsert(list: AuthorizationRecord[], record: AuthorizationRecord): AuthorizationRecord[] {
  return upsertOperation(list, record);
}

function upsertOperation<Record extends { id: string }>(list: Record[], record: Record): Record[] {
  const index = list.findIndex((a) => a.id === record.id);
  if (index < 0) return [...list, record];
  return list.map((a, i) => (i === index ? record : a));
}

/** The API representation of a charge (seed 001's response shape), from its folded state. */
export function toPaymentChargeResource(state: ExistingCharge): PaymentChargeResource {
  return {
    id: state.id,
    status: state.status,
    paymentMethod: state.paymentMethod,
    amount: { value: state.amount.value, currency: state.amount.currency },
    currency: state.amount.currency,
    country: state.consumer.country,
    consumer: state.consumer,
    captureMethod: state.captureMethod,
    merchantPaymentChargeReference: state.merchantPaymentChargeReference,
    webhooksUrl: state.webhooksUrl,
    agreementId: state.agreementId,
    instrumentId: state.instrumentId,
    authenticationMethods: state.authentication
      ? [
          {
            type: 'REDIRECT',
            details: { requestUrl: state.authentication.requestUrl, requestMethod: state.authentication.requestMethod },
          },
        ]
      : [],
    authorizations: state.authorizations.map(({ id, amount, status, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      createdAt,
      updatedAt,
    })),
    captures: state.captures.map(({ id, amount, status, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      createdAt,
      updatedAt,
    })),
    refunds: refundsOf(state).map(({ id, amount, status, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      createdAt,
      updatedAt,
    })),
    voids: state.voids.map(({ id, amount, status, reason, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      reason,
      createdAt,
      updatedAt,
    })),
    chargebacks: chargebacksOf(state).map(({ id, amount, status, reason, createdAt, updatedAt }) => ({
      id,
      amount,
      status,
      reason,
      createdAt,
      updatedAt,
    })),
    history: state.history,
    failure: state.failure,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

/**
 * The folded state of a charge's stream as of a version or an instant. Events are parsed (checked and upcast) first;
 * types this build does not know are passed over. Throws MalformedEvent for an event that breaks its contract.
 */
export function chargeStateAsOf(events: Iterable<StoredStreamEvent>, asOf: AsOf = {}): ChargeState {
  return foldAsOf({ initialState: initialChargeState, evolve: evolveCharge, parse: parseChargeEvent }, events, asOf);
}

/** What `GET /v1/payment-charges/{id}` showed as of a version or an instant; null before the charge existed. */
export function chargeAsOf(events: Iterable<StoredStreamEvent>, asOf: AsOf = {}): PaymentChargeResource | null {
  const state = chargeStateAsOf(events, asOf);
  return chargeExists(state) ? toPaymentChargeResource(state) : null;
}

/** The fold as a pair, for `fold()` and folded read models. */
export const chargeModel = { initialState: initialChargeState, evolve: evolveCharge } as const;
