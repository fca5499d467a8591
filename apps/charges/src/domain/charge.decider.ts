/**
 * The payment charge aggregate (seed 001 statuses) as a decider: `evolve` folds events into state, `decide` turns a
 * command into events or refuses it with a DomainError. Everything a charge shows — status, history, authorizations,
 * captures, voids — is rebuilt from its stream by `evolve`.
 */
import {
  type CaptureMethod,
  type ChargeFailure,
  type ChargeStatus,
  type Consumer,
  checkAmount,
  isAcceptableReturnUrl,
  type HistoryEntry,
  type Money,
  newId,
  PAYMENT_METHOD_CAPABILITIES,
  type PaymentMethodType,
  type SimulationCode,
  type VoidReason,
} from '@payment-ledger/contracts';
import type { Decider } from '@payment-ledger/domain-kernel';
import type {
  AuthorizationOutcome,
  ChargeCommand,
  CreateCharge,
  CreateMerchantInitiatedCharge,
} from './charge-commands';
import {
  AmountExceedsAuthorized,
  AuthorizationExpired,
  ChargeRequestRejected,
  InvalidChargeStatus,
  NothingToCapture,
} from './charge-errors';
import { CHARGE_EVENT_SCHEMA_VERSIONS, type ChargeCreated, type ChargeEvent } from '@payment-ledger/contracts';

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
  status: 'PROCESSING' | 'CAPTURED';
  providerReference: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface VoidRecord {
  id: string;
  amount: number;
  status: 'PROCESSING' | 'VOIDED';
  reason: VoidReason;
  providerReference: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChargeDetails {
  id: string;
  merchant: { id: string; name: string };
  paymentMethod: PaymentMethodType;
  amount: Money;
  consumer: Consumer;
  captureMethod: CaptureMethod;
  initiator: 'CONSUMER' | 'MERCHANT';
  agreementId: string | null;
  instrumentId: string | null;
  returnUrl: string | null;
  webhooksUrl: string | null;
  merchantPaymentChargeReference: string | null;
  simulationCode: SimulationCode | null;
  authentication: { type: 'REDIRECT'; requestUrl: string; requestMethod: 'GET' } | null;
  authenticationExpiresAt: string | null;
  captureExpiresAt: string | null;
  /** When a pending (async) authorization should be asked about again. */
  checkAuthorizationAfter: string | null;
  authorizations: AuthorizationRecord[];
  captures: CaptureRecord[];
  voids: VoidRecord[];
  history: HistoryEntry[];
  failure: ChargeFailure | null;
  createdAt: string;
  updatedAt: string;
}

/** JSON-safe (ISO strings, integers), so read models can store it as is. */
export type ChargeState = { status: 'NEW' } | ({ status: ChargeStatus } & ChargeDetails);
export type ExistingCharge = Extract<ChargeState, { id: string }>;

export const initialState: ChargeState = { status: 'NEW' };

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export function exists(state: ChargeState): state is ExistingCharge {
  return state.status !== 'NEW';
}

export function authorizedAmount(state: ExistingCharge): number {
  return state.authorizations.filter((a) => a.status === 'AUTHORIZED').reduce((total, a) => total + a.amount, 0);
}
/** Captured, or asked of the provider and not yet answered (money already spoken for). */
export function capturedAmount(state: ExistingCharge): number {
  return state.captures.reduce((total, c) => total + c.amount, 0);
}
export function voidedAmount(state: ExistingCharge): number {
  return state.voids.reduce((total, v) => total + v.amount, 0);
}
/** What can still be captured or voided: authorized − captured − voided (processing ones included). */
export function openAmount(state: ExistingCharge): number {
  return authorizedAmount(state) - capturedAmount(state) - voidedAmount(state);
}

function withStatus(state: ExistingCharge, status: ChargeStatus, historyId: string, at: string): ExistingCharge {
  if (status === state.status) return { ...state, updatedAt: at };
  return { ...state, status, updatedAt: at, history: [...state.history, { id: historyId, status, createdAt: at }] };
}

export function evolve(state: ChargeState, event: ChargeEvent): ChargeState {
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
      history: [{ id: d.historyId, status, createdAt: d.at }],
      failure: null,
      createdAt: d.at,
      updatedAt: d.at,
    };
  }
  if (!exists(state)) return state;
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
      return {
        ...withStatus(state, 'CAPTURED', d.historyId, d.at),
        captures: upsertOperation(state.captures, {
          id: d.captureId,
          amount: d.amount,
          status: 'CAPTURED',
          providerReference: d.providerReference,
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
    default:
      // A type this version does not know (written by a newer one) changes nothing here.
      return state;
  }
}

function upsert(list: AuthorizationRecord[], record: AuthorizationRecord): AuthorizationRecord[] {
  return upsertOperation(list, record);
}

function upsertOperation<Record extends { id: string }>(list: Record[], record: Record): Record[] {
  const index = list.findIndex((a) => a.id === record.id);
  if (index < 0) return [...list, record];
  return list.map((a, i) => (i === index ? record : a));
}

const AUTHENTICATION_TIMEOUT_FAILURE: ChargeFailure = {
  failureType: 'INTERNAL_DECLINE',
  failureCode: 'authentication_timed_out',
  providerFailureCode: null,
  failureMessage: 'The consumer did not complete the payment in time',
  isRetryable: true,
};

export function decide(command: ChargeCommand, state: ChargeState, now: Date): ChargeEvent[] {
  const at = now.toISOString();
  const historyId = newId('history', now.getTime());
  if (command.type === 'CreateCharge') return decideCreate(command, state, now);
  if (command.type === 'CreateMerchantInitiatedCharge') return decideMerchantInitiated(command, state, now);
  if (!exists(state)) throw new InvalidChargeStatus('NEW', 'act on');

  switch (command.type) {
    case 'RecordConsumerApproval': {
      requireStatus(state, ['AUTHENTICATION_PENDING'], 'approve');
      if (state.authenticationExpiresAt && now.getTime() >= Date.parse(state.authenticationExpiresAt)) {
        return [authenticationTimedOut(historyId, at)];
      }
      return [
        { type: 'ChargeAuthenticationCompleted', data: { historyId, at } },
        authorizationRequested(state, command.authorizationId, command.captureId, now),
      ];
    }
    case 'RecordConsumerCancellation':
      requireStatus(state, ['AUTHENTICATION_PENDING'], 'cancel');
      return [
        {
          type: 'ChargeAuthenticationFailed',
          data: { historyId, at, reason: 'CONSUMER_CANCELED', failure: command.failure },
        },
      ];
    case 'ExpireAuthentication':
      if (state.status !== 'AUTHENTICATION_PENDING') return [];
      if (!state.authenticationExpiresAt || now.getTime() < Date.parse(state.authenticationExpiresAt)) return [];
      return [authenticationTimedOut(historyId, at)];
    case 'RecordAuthorizationOutcome': {
      // Answers come once per authorization still waiting for one; a repeated or stale answer records nothing.
      const authorization = state.authorizations.find((a) => a.id === command.authorizationId);
      if (!authorization || (authorization.status !== 'PROCESSING' && authorization.status !== 'PENDING')) return [];
      if (command.outcome.status === 'PENDING' && authorization.status === 'PENDING') return [];
      return authorizationEvents(state, authorization, command.outcome, now);
    }
    case 'CaptureCharge': {
      // A retried request (same capture id) finds its capture already asked for.
      if (state.captures.some((c) => c.id === command.captureId)) return [];
      requireStatus(state, ['CAPTURE_PENDING', 'CAPTURED'], 'capture');
      if (state.captureExpiresAt && now.getTime() >= Date.parse(state.captureExpiresAt)) {
        throw new AuthorizationExpired(state.captureExpiresAt);
      }
      const open = openAmount(state);
      if (open === 0) throw new NothingToCapture(state.status);
      const amount = command.amount ?? open;
      if (!Number.isSafeInteger(amount) || amount < 1) {
        throw new ChargeRequestRejected('invalid_amount', 'amount must be a positive integer of minor units', 'amount');
      }
      if (amount > open) throw new AmountExceedsAuthorized(amount, open);
      return [{ type: 'ChargeCaptureRequested', data: { historyId, at, captureId: command.captureId, amount } }];
    }
    case 'RecordCaptureOutcome': {
      const capture = state.captures.find((c) => c.id === command.captureId);
      if (!capture || capture.status !== 'PROCESSING') return [];
      return [
        {
          type: 'ChargeCaptured',
          data: {
            historyId,
            at,
            captureId: capture.id,
            amount: capture.amount,
            providerReference: command.result.providerReference,
          },
        },
      ];
    }
    case 'VoidCharge': {
      if (state.voids.some((v) => v.id === command.voidId)) return [];
      if (command.reason === 'CAPTURE_WINDOW_EXPIRED') {
        // The timer may fire after a capture or void took everything, or early after a restart: then nothing to do.
        const due = state.captureExpiresAt !== null && now.getTime() >= Date.parse(state.captureExpiresAt);
        if (!due || !['CAPTURE_PENDING', 'CAPTURED'].includes(state.status) || openAmount(state) === 0) return [];
      } else {
        requireStatus(state, ['CAPTURE_PENDING', 'CAPTURED'], 'void');
        if (state.captureExpiresAt && now.getTime() >= Date.parse(state.captureExpiresAt)) {
          throw new AuthorizationExpired(state.captureExpiresAt);
        }
        if (openAmount(state) === 0) throw new InvalidChargeStatus(state.status, 'void (nothing left to release in)');
      }
      return [
        {
          type: 'ChargeVoidRequested',
          data: { historyId, at, voidId: command.voidId, amount: openAmount(state), reason: command.reason },
        },
      ];
    }
    case 'RecordVoidOutcome': {
      const entry = state.voids.find((v) => v.id === command.voidId);
      if (!entry || entry.status !== 'PROCESSING') return [];
      return [
        {
          type: 'ChargeVoided',
          data: {
            historyId,
            at,
            voidId: entry.id,
            amount: entry.amount,
            reason: entry.reason,
            providerReference: command.result.providerReference,
          },
        },
      ];
    }
  }
}

/** The method's rules for any new charge: known method, integer amount, currency and bounds, sandbox-only codes. */
function checkNewCharge(command: Pick<CreateCharge, 'paymentMethod' | 'amount' | 'merchant' | 'simulationCode'>): void {
  const capabilities = PAYMENT_METHOD_CAPABILITIES[command.paymentMethod];
  if (!capabilities) {
    throw new ChargeRequestRejected('payment_method_not_supported', `unknown payment method`, 'paymentMethod');
  }
  if (!Number.isSafeInteger(command.amount.value) || command.amount.value < 0) {
    throw new ChargeRequestRejected(
      'invalid_amount',
      'amount must be an integer number of minor units',
      'amount.value',
    );
  }
  const violation = checkAmount(command.paymentMethod, command.amount);
  if (violation) {
    const field = violation === 'currency_not_supported' ? 'amount.currency' : 'amount.value';
    const messages = {
      currency_not_supported: `${command.paymentMethod} accepts only ${capabilities.currencies.join(', ')}`,
      amount_too_small: `the minimum amount is ${capabilities.minAmount[command.amount.currency]} minor units`,
      amount_too_large: `the maximum amount is ${capabilities.maxAmount[command.amount.currency]} minor units`,
    };
    throw new ChargeRequestRejected(violation, messages[violation], field);
  }
  if (command.simulationCode !== null && command.merchant.mode !== 'SANDBOX') {
    throw new ChargeRequestRejected(
      'simulation_not_allowed',
      'simulation codes are accepted only in sandbox',
      'sandbox',
    );
  }
}

function decideCreate(command: CreateCharge, state: ChargeState, now: Date): ChargeEvent[] {
  // A charge id is used once: a repeated create (a retried request) changes nothing.
  if (exists(state)) return [];
  checkNewCharge(command);
  const capabilities = PAYMENT_METHOD_CAPABILITIES[command.paymentMethod];
  if (command.captureMethod === 'MANUAL' && !capabilities.manualCapture) {
    throw new ChargeRequestRejected(
      'capture_method_not_supported',
      `${command.paymentMethod} does not support separate capture`,
      'captureMethod',
    );
  }
  if (!isAcceptableReturnUrl(command.returnUrl, command.merchant.mode)) {
    throw new ChargeRequestRejected(
      'invalid_return_url',
      'returnUrl must be an https URL (http only to localhost, in sandbox)',
      'authenticationSettings[0].settings.returnUrl',
    );
  }
  return [
    chargeCreated(command, now, {
      captureMethod: command.captureMethod,
      initiator: 'CONSUMER',
      agreementId: null,
      instrumentId: null,
      returnUrl: command.returnUrl,
      authentication: command.authentication,
      authenticationExpiresAt: new Date(
        now.getTime() + capabilities.authenticationTimeoutMinutes * MINUTE,
      ).toISOString(),
    }),
  ];
}

type CreatedData = ChargeCreated['data'];

/** The `ChargeCreated` event: what every new charge records, plus how it was started. */
function chargeCreated(
  command: CreateCharge | CreateMerchantInitiatedCharge,
  now: Date,
  start: Pick<
    CreatedData,
    | 'captureMethod'
    | 'initiator'
    | 'agreementId'
    | 'instrumentId'
    | 'returnUrl'
    | 'authentication'
    | 'authenticationExpiresAt'
  >,
): ChargeEvent {
  return {
    type: 'ChargeCreated',
    data: {
      historyId: newId('history', now.getTime()),
      at: now.toISOString(),
      chargeId: command.chargeId,
      merchant: { id: command.merchant.id, name: command.merchant.name },
      paymentMethod: command.paymentMethod,
      amount: command.amount,
      consumer: command.consumer,
      webhooksUrl: command.webhooksUrl,
      merchantPaymentChargeReference: command.merchantPaymentChargeReference,
      simulationCode: command.simulationCode,
      ...start,
    },
  };
}

/** A charge under an agreement, without the consumer: created and authorized (and captured) in one decision. */
function decideMerchantInitiated(command: CreateMerchantInitiatedCharge, state: ChargeState, now: Date): ChargeEvent[] {
  if (exists(state)) return [];
  checkNewCharge(command);
  if (!PAYMENT_METHOD_CAPABILITIES[command.paymentMethod].recurring) {
    throw new ChargeRequestRejected('recurring_not_supported', `${command.paymentMethod} has no recurring payments`);
  }
  const created = chargeCreated(command, now, {
    captureMethod: 'AUTOMATIC',
    initiator: 'MERCHANT',
    agreementId: command.agreementId,
    instrumentId: command.instrumentId,
    returnUrl: null,
    authentication: null,
    authenticationExpiresAt: null,
  });
  const createdState = evolve(state, created);
  if (!exists(createdState)) return [created];
  return [created, authorizationRequested(createdState, command.authorizationId, command.captureId, now)];
}

/** The intent to authorize the whole amount; with automatic capture, to capture it in the same provider call. */
function authorizationRequested(
  state: ExistingCharge,
  authorizationId: string,
  captureId: string,
  now: Date,
): ChargeEvent {
  return {
    type: 'ChargeAuthorizationRequested',
    data: {
      historyId: newId('history', now.getTime()),
      at: now.toISOString(),
      authorizationId,
      amount: state.amount.value,
      captureNow: state.captureMethod === 'AUTOMATIC' ? { captureId } : null,
    },
  };
}

function authenticationTimedOut(historyId: string, at: string): ChargeEvent {
  return {
    type: 'ChargeAuthenticationFailed',
    data: { historyId, at, reason: 'TIMED_OUT', failure: AUTHENTICATION_TIMEOUT_FAILURE },
  };
}

/** The events for a provider's answer to an authorization, plus the capture made in the same call when there is one. */
function authorizationEvents(
  state: ExistingCharge,
  authorization: AuthorizationRecord,
  outcome: AuthorizationOutcome,
  now: Date,
): ChargeEvent[] {
  const at = now.toISOString();
  const { id: authorizationId, amount } = authorization;
  const historyId = () => newId('history', now.getTime());
  switch (outcome.status) {
    case 'PENDING':
      return [
        {
          type: 'ChargeAuthorizationPending',
          data: {
            historyId: historyId(),
            at,
            authorizationId,
            amount,
            providerReference: outcome.providerReference,
            checkAfter: outcome.checkAfter,
          },
        },
      ];
    case 'DECLINED':
      return [
        {
          type: 'ChargeAuthorizationDeclined',
          data: { historyId: historyId(), at, authorizationId, amount, failure: outcome.failure },
        },
      ];
    case 'AUTHORIZED': {
      const windowDays = PAYMENT_METHOD_CAPABILITIES[state.paymentMethod].captureWindowDays;
      const authorized: ChargeEvent = {
        type: 'ChargeAuthorized',
        data: {
          historyId: historyId(),
          at,
          authorizationId,
          amount,
          providerReference: outcome.providerReference,
          captureExpiresAt: new Date(now.getTime() + windowDays * DAY).toISOString(),
        },
      };
      const captureNow = authorization.captureNow;
      if (!captureNow) return [authorized];
      // Asked to capture at once: the capture came with the answer, or (a provider that captures separately) is
      // asked for next.
      const captureId = captureNow.captureId;
      const captured: ChargeEvent = outcome.capture
        ? {
            type: 'ChargeCaptured',
            data: {
              historyId: historyId(),
              at,
              captureId,
              amount,
              providerReference: outcome.capture.providerReference,
            },
          }
        : { type: 'ChargeCaptureRequested', data: { historyId: historyId(), at, captureId, amount } };
      return [authorized, captured];
    }
  }
}

function requireStatus(state: ExistingCharge, allowed: ChargeStatus[], action: string): void {
  if (!allowed.includes(state.status)) throw new InvalidChargeStatus(state.status, action);
}

export const chargeDecider: Decider<ChargeCommand, ChargeEvent, ChargeState> = {
  initialState,
  evolve,
  decide,
  schemaVersions: CHARGE_EVENT_SCHEMA_VERSIONS,
};

export const chargeStreamId = (chargeId: string): string => `charge:${chargeId}`;
