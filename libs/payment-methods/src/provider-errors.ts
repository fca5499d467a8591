/**
 * What a provider call can fail with, besides a declined authorization (which is an outcome, not an error). These
 * are answers of another system, not domain errors: the caller decides what each means for the charge.
 */
export abstract class ProviderError extends Error {
  abstract readonly code: string;
  /** Whether the same call (with the same idempotency key) may succeed if repeated. */
  abstract readonly retryable: boolean;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * No answer from the provider (a timeout, a dropped connection, a 5xx): the call may or may not have been done.
 * Repeat it with the same idempotency key to learn which.
 */
export class ProviderUnavailable extends ProviderError {
  readonly code = 'provider_unavailable';
  readonly retryable = true;
}

/** The idempotency key was used before for another request (another operation, amount, object...). */
export class ProviderIdempotencyConflict extends ProviderError {
  readonly code = 'provider_idempotency_conflict';
  readonly retryable = false;
  constructor(
    readonly idempotencyKey: string,
    readonly operation: string,
    readonly firstOperation: string,
  ) {
    super(
      `idempotency key ${idempotencyKey} was first used for another request (${firstOperation}); ` +
        `it cannot be reused for this ${operation}`,
    );
  }
}

/** The provider has no object by that reference. */
export class ProviderObjectNotFound extends ProviderError {
  readonly code = 'provider_object_not_found';
  readonly retryable = false;
  constructor(
    readonly objectType: string,
    readonly providerReference: string,
  ) {
    super(`the provider has no ${objectType} ${providerReference}`);
  }
}

/** Why a provider refuses a capture or a void of an authorization, or a refund of a charge. */
export type ProviderRefusalReason =
  | 'authorization_not_found'
  | 'authorization_pending'
  | 'authorization_declined'
  | 'authorization_canceled'
  | 'authorization_fully_captured'
  | 'amount_exceeds_capturable'
  | 'currency_mismatch'
  | 'invalid_amount'
  /** A refund of a charge the provider captured nothing of. */
  | 'charge_not_captured'
  /** A refund that, with the charge's earlier refunds not declined, would exceed what the provider captured. */
  | 'amount_exceeds_refundable'
  /** A chargeback decision asked the other way from the one already made. */
  | 'chargeback_already_resolved';

/**
 * The provider refused to capture, void or refund, as a real one would (Amazon Pay's `InvalidChargeStatus`,
 * `AmountExceedsLimit`, `TransactionAmountExceeded`...): nothing was done, and the key was not used up.
 */
export class ProviderOperationRefused extends ProviderError {
  readonly retryable = false;
  constructor(
    readonly code: ProviderRefusalReason,
    readonly operation: 'capture' | 'void' | 'refund' | 'chargeback',
    /** What was to be captured or voided (the authorization's provider reference) or refunded (our charge id). */
    readonly reference: string,
    message: string,
  ) {
    super(message);
  }
}
