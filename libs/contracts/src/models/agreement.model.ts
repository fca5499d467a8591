/**
 * The public model of a payment agreement: the fold of an `agreement:<id>` stream into its state, and that state as
 * the API shows it (`GET /v1/payment-agreements/{id}`), as of any event of the stream.
 *
 * It lives in the contracts, not in apps/agreements, because it is as public as the events it folds: the
 * agreements service decides with it (its decider's `evolve` is this one; `decide` stays in the app's domain), and
 * the gateway, a webhooks service or an analysts' CLI rebuild an agreement from the log with it without importing
 * an app. The pattern (see libs/contracts/README.md): state type, `initial…State`, `evolve…`, `exists`-guard, the
 * mapping to the API resource, and `…AsOf(events, { upToVersion })` that parses stored events and folds them.
 */
import type { AgreementEvent, AgreementTerms } from '../events/agreement-events';
import { parseAgreementEvent } from '../events/agreement-event-contracts';
import { type AsOf, foldAsOf, type StoredStreamEvent } from './as-of';
import type { Money } from '../money';
import type {
  AgreementChargeInitiator,
  AgreementStatus,
  PaymentAgreementResource,
  RevokedBy,
} from '../payment-agreement';
import type { ChargeFailure, SimulationCode } from '../payment-charge';

export interface AgreementCharge {
  chargeId: string;
  amount: Money;
  initiator: AgreementChargeInitiator;
  simulationCode: SimulationCode | null;
  merchantPaymentChargeReference: string | null;
  requestedAt: string;
  /** Null until the charge's outcome is known (from the charge events). */
  outcome: 'CAPTURED' | 'FAILED' | null;
}

export interface AgreementDetails extends AgreementTerms {
  id: string;
  charges: AgreementCharge[];
  history: { id: string; status: AgreementStatus; createdAt: string }[];
  failure: ChargeFailure | null;
  revokedBy: RevokedBy | null;
  createdAt: string;
  updatedAt: string;
}

export type AgreementState = { status: 'NEW' } | ({ status: AgreementStatus } & AgreementDetails);
export type ExistingAgreement = Extract<AgreementState, { id: string }>;

export const initialAgreementState: AgreementState = { status: 'NEW' };

export function agreementExists(state: AgreementState): state is ExistingAgreement {
  return state.status !== 'NEW';
}

function withStatus(
  state: ExistingAgreement,
  status: AgreementStatus,
  historyId: string,
  at: string,
): ExistingAgreement {
  if (status === state.status) return { ...state, updatedAt: at };
  return { ...state, status, updatedAt: at, history: [...state.history, { id: historyId, status, createdAt: at }] };
}

/** Folds one event into the state. Total: an event that does not apply (or an unknown type) changes nothing. */
export function evolveAgreement(state: AgreementState, event: AgreementEvent): AgreementState {
  if (event.type === 'AgreementCreated') {
    const d = event.data;
    return {
      status: 'AUTHENTICATION_PENDING',
      id: d.agreementId,
      merchant: d.merchant,
      paymentMethod: d.paymentMethod,
      consumer: d.consumer,
      startDate: d.startDate,
      startDateAsGiven: d.startDateAsGiven,
      endDate: d.endDate,
      description: d.description,
      frequency: d.frequency,
      amount: d.amount,
      amountType: d.amountType,
      instrumentId: d.instrumentId,
      returnUrl: d.returnUrl,
      merchantPaymentAgreementReference: d.merchantPaymentAgreementReference,
      webhooksUrl: d.webhooksUrl,
      simulationCode: d.simulationCode,
      authentication: d.authentication,
      authenticationExpiresAt: d.authenticationExpiresAt,
      initialPaymentCharge: d.initialPaymentCharge,
      charges: [],
      history: [{ id: d.historyId, status: 'AUTHENTICATION_PENDING', createdAt: d.at }],
      failure: null,
      revokedBy: null,
      createdAt: d.at,
      updatedAt: d.at,
    };
  }
  if (!agreementExists(state)) return state;
  switch (event.type) {
    case 'AgreementActivated':
      return withStatus(state, 'ACTIVE', event.data.historyId, event.data.at);
    case 'AgreementAuthenticationFailed':
      return { ...withStatus(state, 'FAILED', event.data.historyId, event.data.at), failure: event.data.failure };
    case 'AgreementRevoked':
      return { ...withStatus(state, 'REVOKED', event.data.historyId, event.data.at), revokedBy: event.data.revokedBy };
    case 'AgreementChargeRequested': {
      const d = event.data;
      const charge: AgreementCharge = {
        chargeId: d.chargeId,
        amount: d.amount,
        initiator: d.initiator,
        simulationCode: d.simulationCode,
        merchantPaymentChargeReference: d.merchantPaymentChargeReference,
        requestedAt: d.at,
        outcome: null,
      };
      return { ...state, updatedAt: d.at, charges: [...state.charges, charge] };
    }
    case 'AgreementChargeSettled': {
      const d = event.data;
      const charges = state.charges.map((c) => (c.chargeId === d.chargeId ? { ...c, outcome: d.status } : c));
      return { ...state, updatedAt: d.at, charges };
    }
    case 'AgreementMarkedPastDue':
      return { ...withStatus(state, 'PAST_DUE', event.data.historyId, event.data.at), failure: event.data.failure };
    default:
      return state;
  }
}

/** The API representation of an agreement (seed 001's response shape), from its folded state. */
export function toPaymentAgreementResource(state: ExistingAgreement): PaymentAgreementResource {
  return {
    id: state.id,
    status: state.status,
    paymentMethod: state.paymentMethod,
    startDate: state.startDate,
    endDate: state.endDate,
    description: state.description,
    frequency: state.frequency,
    amount: state.amount,
    amountType: state.amountType,
    instrumentId: state.instrumentId,
    consumer: state.consumer,
    merchantPaymentAgreementReference: state.merchantPaymentAgreementReference,
    webhooksUrl: state.webhooksUrl,
    authenticationMethods: [
      {
        type: 'REDIRECT',
        details: { requestUrl: state.authentication.requestUrl, requestMethod: state.authentication.requestMethod },
      },
    ],
    history: state.history,
    initialPaymentChargeId: state.initialPaymentCharge?.chargeId ?? null,
    failure: state.failure,
    revokedBy: state.revokedBy,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
  };
}

/**
 * The folded state of an agreement's stream as of a version or an instant. Events are parsed (checked and upcast)
 * first; types this build does not know are passed over. Throws MalformedEvent for an event that breaks its contract.
 */
export function agreementStateAsOf(events: Iterable<StoredStreamEvent>, asOf: AsOf = {}): AgreementState {
  return foldAsOf(
    { initialState: initialAgreementState, evolve: evolveAgreement, parse: parseAgreementEvent },
    events,
    asOf,
  );
}

/** What `GET /v1/payment-agreements/{id}` showed as of a version or an instant; null before the agreement existed. */
export function agreementAsOf(events: Iterable<StoredStreamEvent>, asOf: AsOf = {}): PaymentAgreementResource | null {
  const state = agreementStateAsOf(events, asOf);
  return agreementExists(state) ? toPaymentAgreementResource(state) : null;
}

/** The fold as a pair, for `fold()` and folded read models. */
export const agreementModel = { initialState: initialAgreementState, evolve: evolveAgreement } as const;
