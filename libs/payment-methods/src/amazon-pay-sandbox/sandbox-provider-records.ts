import type { Money } from '@payment-ledger/contracts';
import type { ProviderAuthorizationOutcome } from '../payment-method-provider';
import type { SandboxCharge, SandboxOperation, SandboxOperationType } from './sandbox-charge';

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
}

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
