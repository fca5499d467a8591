/**
 * The sandbox's refunds and their rules, as plain data and pure functions (like sandbox-charge.ts for charges):
 * Amazon Pay's "Refund" object, what a simulation code makes of it, and the provider's own books, checked before a
 * refund is made: what it captured for the charge, less the charge's refunds not declined. The in-memory records
 * apply these functions directly; the PostgreSQL records apply the same rules in their statement.
 */
import type { ChargeFailure, Money, RefundSimulationCode } from '@payment-ledger/contracts';
import type { ProviderRefundOutcome, RefundRequest } from '../payment-method-provider';
import type { ProviderRefusalReason } from '../provider-errors';
import { fingerprint } from './sandbox-charge';
import { SIMULATED_REFUND_FAILURES } from './simulation-outcomes';

/** Amazon Pay's Refund states: RefundInitiated → Refunded | Declined. */
export type SandboxRefundState = 'RefundInitiated' | 'Refunded' | 'Declined';

export interface SandboxRefund {
  providerReference: string;
  chargeId: string;
  refundId: string;
  amount: Money;
  state: SandboxRefundState;
  simulationCode: RefundSimulationCode | null;
  failure: ChargeFailure | null;
  /** When a RefundInitiated refund settles as Refunded (ISO); null otherwise. */
  settlesAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What the provider holds for a charge when a refund is asked: its captures' total, and its refunds not declined. */
export interface RefundBooks {
  /** The total of the charge's captures (null: it captured nothing). */
  captured: Money | null;
  /** Minor units of the charge's refunds not declined (initiated or refunded). */
  refunded: number;
}

/**
 * Create Refund, once allowed (refundRefusalOf): no code, Refunded at once; `RefundDelayed`, RefundInitiated until
 * `now` + the delay; `RefundDeclined`, Declined with its documented failure.
 */
export function openRefund(request: RefundRequest, providerReference: string, asyncDelayMs: number): SandboxRefund {
  const at = request.now.toISOString();
  const base: SandboxRefund = {
    providerReference,
    chargeId: request.chargeId,
    refundId: request.refundId,
    amount: request.amount,
    state: 'Refunded',
    simulationCode: request.simulationCode,
    failure: null,
    settlesAt: null,
    createdAt: at,
    updatedAt: at,
  };
  switch (request.simulationCode) {
    case 'RefundDelayed':
      return {
        ...base,
        state: 'RefundInitiated',
        settlesAt: new Date(request.now.getTime() + asyncDelayMs).toISOString(),
      };
    case 'RefundDeclined':
      return { ...base, state: 'Declined', failure: SIMULATED_REFUND_FAILURES.RefundDeclined };
    case null:
      return base;
  }
}

/** Get Refund at `now`: an initiated refund whose time has come settles as Refunded; null when nothing changes. */
export function settleRefundIfDue(refund: SandboxRefund, now: Date): SandboxRefund | null {
  if (refund.state !== 'RefundInitiated' || refund.settlesAt === null) return null;
  if (Date.parse(refund.settlesAt) > now.getTime()) return null;
  return { ...refund, state: 'Refunded', settlesAt: null, updatedAt: now.toISOString() };
}

/** The port's answer for a refund as it stands. */
export function refundOutcomeOf(refund: SandboxRefund): ProviderRefundOutcome {
  const providerReference = refund.providerReference;
  switch (refund.state) {
    case 'RefundInitiated':
      return { status: 'PENDING', providerReference, checkAfter: refund.settlesAt ?? refund.createdAt };
    case 'Declined':
      return {
        status: 'DECLINED',
        providerReference,
        failure: refund.failure ?? SIMULATED_REFUND_FAILURES.RefundDeclined,
      };
    case 'Refunded':
      return { status: 'SUCCEEDED', providerReference };
  }
}

/**
 * Why the provider refuses a refund of `amount` (null: it makes it). Amazon Pay refunds only what was captured, in
 * its currency, less what earlier refunds took (a declined refund took nothing).
 */
export function refundRefusalOf(amount: Money, books: RefundBooks): ProviderRefusalReason | null {
  if (books.captured === null || books.captured.value === 0) return 'charge_not_captured';
  if (amount.currency !== books.captured.currency) return 'currency_mismatch';
  if (amount.value <= 0) return 'invalid_amount';
  if (books.refunded + amount.value > books.captured.value) return 'amount_exceeds_refundable';
  return null;
}

/** What makes two refund calls "the same request" under one key: every field but the key and the clock. */
export function refundFingerprint(request: RefundRequest): string {
  return fingerprint([
    'refund',
    request.chargeId,
    request.refundId,
    request.amount.value,
    request.amount.currency,
    request.simulationCode,
  ]);
}
