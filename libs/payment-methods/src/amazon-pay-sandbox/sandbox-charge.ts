/**
 * The sandbox's records and their rules, as plain data and pure functions: Amazon Pay's "Charge" object (our
 * authorization) and the operations done to it (captures and voids; refunds: sandbox-refund.ts). The in-memory
 * records apply these functions directly; the PostgreSQL records apply the same rules inside their statements
 * (postgres-sandbox-provider-records.ts), and the shared behaviour suite holds both to the same answers.
 */
import { createHash } from 'node:crypto';
import { type ChargeFailure, type Money, type SimulationCode, uuidv7Hex } from '@payment-ledger/contracts';
import type { AuthorizeRequest, OperationRequest, ProviderAuthorizationOutcome } from '../payment-method-provider';
import type { ProviderRefusalReason } from '../provider-errors';
import { SIMULATED_FAILURES } from './simulation-outcomes';

/** Amazon Pay's Charge states: AuthorizationInitiated → Authorized | Declined; Authorized → Captured | Canceled. */
export type SandboxChargeState = 'AuthorizationInitiated' | 'Authorized' | 'Declined' | 'Captured' | 'Canceled';

export interface SandboxCharge {
  providerReference: string;
  chargeId: string;
  authorizationId: string;
  amount: Money;
  state: SandboxChargeState;
  /** Minor units captured so far, and released by a void. */
  capturedAmount: number;
  canceledAmount: number;
  simulationCode: SimulationCode | null;
  failure: ChargeFailure | null;
  /** When an AuthorizationInitiated charge settles (ISO); null otherwise. */
  settlesAt: string | null;
  /** Created with CaptureNow: our capture id and the reference the capture has, or gets when the charge settles. */
  captureNow: { captureId: string; providerReference: string } | null;
  createdAt: string;
  updatedAt: string;
}

export type SandboxOperationType = 'capture' | 'void';

/** A capture (state Captured) or a void (state Canceled) of a charge. */
export interface SandboxOperation {
  type: SandboxOperationType;
  providerReference: string;
  chargeReference: string;
  chargeId: string;
  operationId: string;
  /** A capture's amount; for a void, what it released. */
  amount: Money;
  state: 'Captured' | 'Canceled';
  createdAt: string;
  updatedAt: string;
}

const REFERENCE_LETTER = { authorization: 'A', capture: 'C', void: 'V', refund: 'R', chargeback: 'B' } as const;

/** A new provider reference, Amazon Pay style (`S01-…`), with a letter for the kind of object. */
export function newProviderReference(type: keyof typeof REFERENCE_LETTER): string {
  return `S01-${REFERENCE_LETTER[type]}-${uuidv7Hex()}`;
}

/**
 * Create Charge: the simulation code picks the outcome. No code: Authorized (and Captured with CaptureNow);
 * AuthorizationInitiated: pending until `now` + the delay; any other code: Declined with its documented failure.
 */
export function openCharge(
  request: AuthorizeRequest,
  references: { authorization: string; capture: string },
  asyncDelayMs: number,
): { charge: SandboxCharge; capture: SandboxOperation | null } {
  const at = request.now.toISOString();
  const code = request.simulationCode;
  const base: SandboxCharge = {
    providerReference: references.authorization,
    chargeId: request.chargeId,
    authorizationId: request.authorizationId,
    amount: request.amount,
    state: 'Authorized',
    capturedAmount: 0,
    canceledAmount: 0,
    simulationCode: code,
    failure: null,
    settlesAt: null,
    captureNow: request.captureNow && {
      captureId: request.captureNow.captureId,
      providerReference: references.capture,
    },
    createdAt: at,
    updatedAt: at,
  };
  if (code === 'AuthorizationInitiated') {
    const settlesAt = new Date(request.now.getTime() + asyncDelayMs).toISOString();
    return { charge: { ...base, state: 'AuthorizationInitiated', settlesAt }, capture: null };
  }
  if (code !== null) {
    return {
      charge: { ...base, state: 'Declined', failure: SIMULATED_FAILURES[code], captureNow: null },
      capture: null,
    };
  }
  return authorized(base, at);
}

/** An authorized charge, captured in full at once when it was created with CaptureNow. */
function authorized(charge: SandboxCharge, at: string): { charge: SandboxCharge; capture: SandboxOperation | null } {
  const settled: SandboxCharge = { ...charge, state: 'Authorized', settlesAt: null, updatedAt: at };
  if (!charge.captureNow) return { charge: settled, capture: null };
  return {
    charge: { ...settled, state: 'Captured', capturedAmount: charge.amount.value },
    capture: {
      type: 'capture',
      providerReference: charge.captureNow.providerReference,
      chargeReference: charge.providerReference,
      chargeId: charge.chargeId,
      operationId: charge.captureNow.captureId,
      amount: charge.amount,
      state: 'Captured',
      createdAt: at,
      updatedAt: at,
    },
  };
}

/** Get Charge at `now`: a pending charge whose time has come settles as Authorized (and Captured with CaptureNow). */
export function settleIfDue(
  charge: SandboxCharge,
  now: Date,
): { charge: SandboxCharge; capture: SandboxOperation | null } | null {
  if (charge.state !== 'AuthorizationInitiated' || charge.settlesAt === null) return null;
  if (Date.parse(charge.settlesAt) > now.getTime()) return null;
  return authorized(charge, now.toISOString());
}

/** The port's answer for a charge as it stands. A captured or canceled charge was authorized. */
export function outcomeOf(charge: SandboxCharge): ProviderAuthorizationOutcome {
  const providerReference = charge.providerReference;
  switch (charge.state) {
    case 'AuthorizationInitiated':
      return { status: 'PENDING', providerReference, checkAfter: charge.settlesAt ?? charge.createdAt };
    case 'Declined':
      return { status: 'DECLINED', providerReference, failure: charge.failure ?? SIMULATED_FAILURES.Declined };
    default: {
      // Only CaptureNow captures a CaptureNow charge: it is fully captured by it, so no capture can follow.
      const capturedNow = charge.captureNow !== null && charge.state === 'Captured';
      return {
        status: 'AUTHORIZED',
        providerReference,
        capture: capturedNow && charge.captureNow ? { providerReference: charge.captureNow.providerReference } : null,
      };
    }
  }
}

/** What remains capturable: authorized, not captured, not released by a void. */
export function capturable(charge: SandboxCharge): number {
  return charge.amount.value - charge.capturedAmount - charge.canceledAmount;
}

/**
 * Why the provider refuses a capture or a void of this charge (null: it does it). A capture needs an Authorized
 * charge with at least the amount still capturable; a void (Cancel Charge) needs an Authorized charge not yet fully
 * captured, and releases what is not captured. Amazon Pay would also cancel a pending charge, but the port has no
 * outcome for "canceled before it was authorized" (getAuthorization would answer AUTHORIZED), so the sandbox refuses.
 */
export function refusalOf(
  type: SandboxOperationType,
  charge: SandboxCharge | null,
  amount: Money,
): ProviderRefusalReason | null {
  if (charge === null) return 'authorization_not_found';
  switch (charge.state) {
    case 'Declined':
      return 'authorization_declined';
    case 'Canceled':
      return 'authorization_canceled';
    case 'Captured':
      return type === 'void' ? 'authorization_fully_captured' : 'amount_exceeds_capturable';
    case 'AuthorizationInitiated':
      return 'authorization_pending';
  }
  if (type === 'void') return null;
  if (amount.currency !== charge.amount.currency) return 'currency_mismatch';
  if (amount.value <= 0) return 'invalid_amount';
  if (amount.value > capturable(charge)) return 'amount_exceeds_capturable';
  return null;
}

/** A capture or void the charge allows (see refusalOf): the charge after it, and the operation's record. */
export function applyOperation(
  charge: SandboxCharge,
  operation: { type: SandboxOperationType; providerReference: string; operationId: string; amount: Money; at: string },
): { charge: SandboxCharge; operation: SandboxOperation } {
  const { type, at } = operation;
  const amount = type === 'void' ? { ...charge.amount, value: capturable(charge) } : operation.amount;
  const capturedAmount = charge.capturedAmount + (type === 'capture' ? amount.value : 0);
  const canceledAmount = charge.canceledAmount + (type === 'void' ? amount.value : 0);
  const state: SandboxChargeState =
    type === 'void' ? 'Canceled' : capturedAmount === charge.amount.value ? 'Captured' : charge.state;
  return {
    charge: { ...charge, capturedAmount, canceledAmount, state, updatedAt: at },
    operation: {
      type,
      providerReference: operation.providerReference,
      chargeReference: charge.providerReference,
      chargeId: charge.chargeId,
      operationId: operation.operationId,
      amount,
      state: type === 'capture' ? 'Captured' : 'Canceled',
      createdAt: at,
      updatedAt: at,
    },
  };
}

/**
 * What makes two calls "the same request" under one idempotency key: the operation and every field except the key
 * and the clock (a retry comes later, with another `now`).
 */
export function authorizeFingerprint(request: AuthorizeRequest): string {
  return fingerprint([
    'authorize',
    request.chargeId,
    request.authorizationId,
    request.amount.value,
    request.amount.currency,
    request.simulationCode,
    request.captureNow?.captureId ?? null,
  ]);
}

export function operationFingerprint(type: SandboxOperationType, request: OperationRequest): string {
  return fingerprint([
    type,
    request.chargeId,
    request.operationId,
    request.authorizationReference,
    request.amount.value,
    request.amount.currency,
  ]);
}

/** A request's fields, hashed: what its idempotency key is checked against. */
export function fingerprint(fields: Array<string | number | null>): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}
