/**
 * The sandbox's chargebacks and their rules, as plain data and pure functions (like sandbox-refund.ts for refunds):
 * a consumer's dispute of part of a captured charge as the provider keeps it, OPEN until the provider decides it
 * (WON: the merchant keeps the money; LOST: the consumer gets it back), and the provider's books it is checked on: what
 * it captured for the charge, less the charge's refunds not declined and its chargebacks open or lost. The in-memory
 * records apply these functions directly; the PostgreSQL records apply the same rule in their statements.
 */
import type { ChargebackOutcome, Money } from '@payment-ledger/contracts';
import type { ProviderChargeback, RaiseChargebackRequest } from '../payment-method-provider';
import type { ProviderRefusalReason } from '../provider-errors';

export type SandboxChargebackState = 'OPEN' | ChargebackOutcome;

export interface SandboxChargeback {
  providerReference: string;
  chargeId: string;
  chargebackId: string;
  amount: Money;
  reason: string;
  state: SandboxChargebackState;
  createdAt: string;
  updatedAt: string;
}

/** What the provider holds for a charge when a chargeback is raised. */
export interface ChargebackBooks {
  /** The total of the charge's captures (null: it captured nothing). */
  captured: Money | null;
  /** Minor units of the charge's refunds not declined (initiated or refunded). */
  refunded: number;
  /** Minor units of the charge's chargebacks open or lost. */
  chargedBack: number;
}

/** A new chargeback, OPEN, as it is recorded if the books allow it (chargebackRefusalOf). */
export function openChargeback(request: RaiseChargebackRequest, providerReference: string): SandboxChargeback {
  const at = request.now.toISOString();
  return {
    providerReference,
    chargeId: request.chargeId,
    chargebackId: request.chargebackId,
    amount: request.amount,
    reason: request.reason,
    state: 'OPEN',
    createdAt: at,
    updatedAt: at,
  };
}

/** What is left of the charge to dispute (never below 0). */
export function chargebackLeft(books: ChargebackBooks): number {
  return Math.max(0, (books.captured?.value ?? 0) - books.refunded - books.chargedBack);
}

/**
 * Why the provider refuses a chargeback of `amount` (null: it raises it). A consumer disputes only what was captured,
 * in its currency, and not what was already given back by a refund or taken by another chargeback.
 */
export function chargebackRefusalOf(amount: Money, books: ChargebackBooks): ProviderRefusalReason | null {
  if (books.captured === null || books.captured.value === 0) return 'charge_not_captured';
  if (amount.currency !== books.captured.currency) return 'currency_mismatch';
  if (!Number.isSafeInteger(amount.value) || amount.value <= 0) return 'invalid_amount';
  if (amount.value > chargebackLeft(books)) return 'amount_exceeds_refundable';
  return null;
}

/**
 * The decision of an open chargeback, once: the chargeback as decided (null when it already has this outcome, so
 * nothing changes); refused ('chargeback_already_resolved') when it was decided the other way.
 */
export function resolveChargebackOf(
  chargeback: SandboxChargeback,
  outcome: ChargebackOutcome,
  now: Date,
): SandboxChargeback | null | 'chargeback_already_resolved' {
  if (chargeback.state === outcome) return null;
  if (chargeback.state !== 'OPEN') return 'chargeback_already_resolved';
  return { ...chargeback, state: outcome, updatedAt: now.toISOString() };
}

/** The port's view of a chargeback. */
export function chargebackOutcomeOf(chargeback: SandboxChargeback): ProviderChargeback {
  return { ...chargeback };
}
