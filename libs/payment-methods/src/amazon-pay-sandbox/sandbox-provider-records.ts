import type { Money } from '@payment-ledger/contracts';
import type { ProviderAuthorizationOutcome, ProviderRefundOutcome } from '../payment-method-provider';
import type { SandboxCharge, SandboxOperation, SandboxOperationType } from './sandbox-charge';
import type { RefundBooks, SandboxRefund } from './sandbox-refund';
import type { ChargebackBooks, SandboxChargeback } from './sandbox-chargeback';

/**
 * Where the sandbox provider keeps its records: the storage port of AmazonPaySandboxProvider. The provider decides
 * what a call means (sandbox-charge.ts); the records store it atomically with its idempotency key, so a replayed key
 * is answered from the first call and moves no money twice, even when the two calls race.
 * PostgresSandboxProviderRecords is the real one; InMemorySandboxProviderRecords serves unit tests.
 */
export interface SandboxProviderRecords {
  /** Records a new charge (and its CaptureNow capture) under the key, unless the key was used before. */
  openCharge(call: NewCharge): Promise<KeyedAnswer<ProviderAuthorizationOutcome>>;
  /**
   * Does a capture or a void under the key, unless the key was used before, when the charge allows it (refusalOf),
   * checked and applied as one step; otherwise answers `refused` with the charge as it stood.
   */
  applyOperation(call: NewOperation): Promise<KeyedAnswer<{ providerReference: string }> | Refused>;
  /** The charge, settled first if it was pending and is due at `now` (see settleIfDue); null if there is none. */
  settleCharge(providerReference: string, now: Date): Promise<SandboxCharge | null>;
  findCharge(providerReference: string): Promise<SandboxCharge | null>;
  findOperation(type: SandboxOperationType, providerReference: string): Promise<SandboxOperation | null>;
  /**
   * Records a new refund under the key, unless the key was used before, when the charge's books allow it
   * (refundRefusalOf: its captures, less its refunds not declined), checked and recorded as one step that no other
   * refund of the charge interleaves with; otherwise answers `refused` with the books as they stood.
   */
  openRefund(call: NewRefund): Promise<KeyedAnswer<ProviderRefundOutcome> | RefundRefused>;
  /** The refund, settled first if it was initiated and is due at `now` (see settleRefundIfDue); null if none. */
  settleRefund(providerReference: string, now: Date): Promise<SandboxRefund | null>;
  findRefund(providerReference: string): Promise<SandboxRefund | null>;
  /**
   * Records a new chargeback unless one with its chargebackId exists (answered as it stands, `existing`), when the
   * charge's books allow it (chargebackRefusalOf: its captures, less its refunds not declined and its chargebacks open
   * or lost), checked and recorded as one step that no other refund or chargeback of the charge interleaves with;
   * otherwise answers `refused` with the books as they stood.
   */
  openChargeback(chargeback: SandboxChargeback): Promise<ChargebackOpenAnswer>;
  /**
   * Applies `decide` to the chargeback with this chargebackId as it stands, as one step no other decision of it
   * interleaves with: `decide` answers the chargeback as decided (stored), or null to leave it. Null: no such
   * chargeback.
   */
  updateChargeback(
    chargebackId: string,
    decide: (chargeback: SandboxChargeback) => SandboxChargeback | null,
  ): Promise<SandboxChargeback | null>;
  findChargeback(providerReference: string): Promise<SandboxChargeback | null>;
}

export type ChargebackOpenAnswer =
  | { status: 'recorded'; chargeback: SandboxChargeback }
  | { status: 'existing'; chargeback: SandboxChargeback }
  | { status: 'refused'; books: ChargebackBooks };

interface KeyedCall {
  idempotencyKey: string;
  /** What the request was (sandbox-charge.ts): a reused key with another fingerprint is a conflict. */
  fingerprint: string;
}

export interface NewCharge extends KeyedCall {
  charge: SandboxCharge;
  capture: SandboxOperation | null;
  /** The answer, stored with the key for replays. */
  response: ProviderAuthorizationOutcome;
}

export interface NewRefund extends KeyedCall {
  /** The refund as it is recorded if the books allow it (sandbox-refund.ts openRefund). */
  refund: SandboxRefund;
  /** The answer, stored with the key for replays. */
  response: ProviderRefundOutcome;
}

export interface NewOperation extends KeyedCall {
  type: SandboxOperationType;
  /** The reference the operation gets if it is done. */
  providerReference: string;
  chargeReference: string;
  chargeId: string;
  operationId: string;
  amount: Money;
  at: string;
}

/** Done now, or the key's first use (which may have been another request: compare the fingerprints). */
export type KeyedAnswer<Response> =
  | { status: 'recorded'; response: Response }
  | { status: 'replayed'; operation: string; fingerprint: string; response: Response };

export interface Refused {
  status: 'refused';
  /** The charge as it stood when the operation was refused (null: no such charge). */
  charge: SandboxCharge | null;
}

export interface RefundRefused {
  status: 'refused';
  /** The charge's books when the refund was refused. */
  books: RefundBooks;
}
