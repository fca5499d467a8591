/**
 * The payment charge aggregate (seed 001 statuses) as a decider: `decide` turns a command into events or refuses it
 * with a DomainError; `evolve` is the public charge model's fold (libs/contracts/src/models/charge.model.ts), so
 * everything a charge shows — status, history, authorizations, captures, voids — is rebuilt from its stream the same
 * way here and by every other reader of the log.
 */
import {
  type AuthorizationRecord,
  authorizedAmount,
  capturedAmount,
  type ChargeDetails,
  chargeExists,
  type ChargeFailure,
  type ChargeState,
  type ChargeStatus,
  checkAmount,
  evolveCharge,
  type ExistingCharge,
  initialChargeState,
  isAcceptableReturnUrl,
  newId,
  openAmount,
  PAYMENT_METHOD_CAPABILITIES,
  type RefundEvent,
  refundsOf,
  chargebacksOf,
  upcastChargeEvent,
  voidedAmount,
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

export type { AuthorizationRecord, ChargeDetails, ChargeState, ExistingCharge };
export { authorizedAmount, capturedAmount, openAmount, voidedAmount };
export const initialState = initialChargeState;
export const evolve = evolveCharge;
export const exists = chargeExists;

/** Statuses of a charge with money captured, where a further capture or a void of what is still open is allowed. */
const CAPTURED_STATUSES: ChargeStatus[] = ['CAPTURED', 'REFUND_PROCESSING', 'REFUNDED'];

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

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
      requireStatus(state, ['CAPTURE_PENDING', ...CAPTURED_STATUSES], 'capture');
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
    case 'RecordCaptureOutcome':
    case 'RecordCaptureRefusal': {
      // An answer counts once, for a capture still waiting for one; a repeated or stale answer records nothing.
      const capture = awaitingAnswer(state.captures, command.captureId);
      if (!capture) return [];
      const answered = { historyId, at, captureId: capture.id, amount: capture.amount };
      return command.type === 'RecordCaptureOutcome'
        ? [{ type: 'ChargeCaptured', data: { ...answered, providerReference: command.result.providerReference } }]
        : [{ type: 'ChargeCaptureFailed', data: { ...answered, failure: command.failure } }];
    }
    case 'VoidCharge': {
      if (state.voids.some((v) => v.id === command.voidId)) return [];
      if (command.reason === 'CAPTURE_WINDOW_EXPIRED') {
        // The timer may fire after a capture or void took everything, or early after a restart: then nothing to do.
        const due = state.captureExpiresAt !== null && now.getTime() >= Date.parse(state.captureExpiresAt);
        if (!due || !['CAPTURE_PENDING', ...CAPTURED_STATUSES].includes(state.status) || openAmount(state) === 0) {
          return [];
        }
      } else {
        requireStatus(state, ['CAPTURE_PENDING', ...CAPTURED_STATUSES], 'void');
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
    case 'RecordVoidOutcome':
    case 'RecordVoidRefusal': {
      const entry = awaitingAnswer(state.voids, command.voidId);
      if (!entry) return [];
      const answered = { historyId, at, voidId: entry.id, amount: entry.amount, reason: entry.reason };
      return command.type === 'RecordVoidOutcome'
        ? [{ type: 'ChargeVoided', data: { ...answered, providerReference: command.result.providerReference } }]
        : [{ type: 'ChargeVoidFailed', data: { ...answered, failure: command.failure } }];
    }
    case 'RecordRefundProgress':
      return recordRefundProgress(state, command.events, now);
  }
}

/**
 * The charge's record of steps of its refunds and chargebacks, each decided on the state the steps before it left,
 * so that several in one command record exactly what they would one by one (each with its own history id).
 */
function recordRefundProgress(state: ExistingCharge, steps: RefundEvent[], now: Date): ChargeEvent[] {
  const at = now.toISOString();
  const recorded: ChargeEvent[] = [];
  let current = state;
  for (const step of steps) {
    const events = refundProgress(current, step, newId('history', now.getTime()), at);
    if (events.length === 0) continue;
    recorded.push(...events);
    // Refund and chargeback events keep a charge existing (evolve only turns NEW into a charge).
    current = events.reduce(evolve, current as ChargeState) as ExistingCharge;
  }
  return recorded;
}

/** The charge event that records each kind of refund step (RefundPending records nothing). */
const RECORDED_AS = {
  RefundRequested: 'ChargeRefundPending',
  RefundSucceeded: 'ChargeRefundSucceeded',
  RefundFailed: 'ChargeRefundFailed',
  ChargebackOpened: 'ChargeChargebackOpened',
  ChargebackResolved: 'ChargeChargebackResolved',
} as const satisfies Partial<Record<RefundEvent['type'], ChargeEvent['type']>>;

/** What a refund step or the charge event recording it is about: its kind of record and the refund or chargeback. */
function recordKey(event: { type: string; data: object }): string | undefined {
  const type = (RECORDED_AS as Record<string, string>)[event.type] ?? event.type;
  const data = event.data as { refundId?: unknown; chargebackId?: unknown };
  const id = type.startsWith('ChargeRefund')
    ? data.refundId
    : type.startsWith('ChargeChargeback')
      ? data.chargebackId
      : undefined;
  return typeof id === 'string' ? `${type}:${id}` : undefined;
}

/**
 * For each event RecordRefundProgress recorded from `steps`, the index of the step it records (-1 for any other
 * event), so each can name its own cause. Each step records at most one event, in the order of the steps, and an
 * event names its step (the kind of step and its refund or chargeback): it records the first step of that name
 * after the step the event before it records. No earlier step of that name can be the one: a step that recorded
 * nothing then records nothing later either, unless an event in between (with its own, earlier step) made it count.
 */
export function refundStepsRecorded(recorded: ChargeEvent[], steps: RefundEvent[]): number[] {
  const stepKeys = steps.map(recordKey);
  let next = 0;
  return recorded.map((event) => {
    const key = recordKey(event);
    const index = key === undefined ? -1 : stepKeys.indexOf(key, next);
    if (index >= 0) next = index + 1;
    return index;
  });
}

/**
 * The charge's record of a step of one of its refunds or chargebacks: each is recorded once, in the order the
 * refunds service recorded them. A repeat (Kafka delivers at least once), a settled refund's or resolved chargeback's
 * second outcome, or an outcome for one the charge never learnt of records nothing. `RefundPending` (the provider
 * settles later) records nothing either: the refund is REFUND_PENDING on the charge since its request.
 */
function refundProgress(state: ExistingCharge, event: RefundEvent, historyId: string, at: string): ChargeEvent[] {
  switch (event.type) {
    case 'RefundRequested': {
      const { refundId, amount } = event.data;
      if (refundsOf(state).some((r) => r.id === refundId)) return [];
      return [{ type: 'ChargeRefundPending', data: { historyId, at, refundId, amount: amount.value } }];
    }
    case 'RefundPending':
      return [];
    case 'RefundSucceeded':
    case 'RefundFailed': {
      const refund = refundsOf(state).find((r) => r.id === event.data.refundId);
      if (refund?.status !== 'REFUND_PENDING') return [];
      const settled = { historyId, at, refundId: refund.id, amount: refund.amount };
      return event.type === 'RefundSucceeded'
        ? [{ type: 'ChargeRefundSucceeded', data: settled }]
        : [{ type: 'ChargeRefundFailed', data: { ...settled, failure: event.data.failure } }];
    }
    case 'ChargebackOpened': {
      const { chargebackId, amount, reason } = event.data;
      if (chargebacksOf(state).some((c) => c.id === chargebackId)) return [];
      return [{ type: 'ChargeChargebackOpened', data: { historyId, at, chargebackId, amount: amount.value, reason } }];
    }
    case 'ChargebackResolved': {
      const chargeback = chargebacksOf(state).find((c) => c.id === event.data.chargebackId);
      if (chargeback?.status !== 'OPEN') return [];
      return [
        {
          type: 'ChargeChargebackResolved',
          data: { historyId, at, chargebackId: chargeback.id, amount: chargeback.amount, outcome: event.data.outcome },
        },
      ];
    }
    default:
      // A refund event type this build does not know (written by a newer refunds service) records nothing.
      return [];
  }
}

/** The capture or void of that id while its provider call is unanswered (PROCESSING); otherwise undefined. */
function awaitingAnswer<Operation extends { id: string; status: string }>(
  operations: Operation[],
  id: string,
): Operation | undefined {
  const operation = operations.find((o) => o.id === id);
  return operation?.status === 'PROCESSING' ? operation : undefined;
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
  upcast: upcastChargeEvent,
};

export const chargeStreamId = (chargeId: string): string => `charge:${chargeId}`;
