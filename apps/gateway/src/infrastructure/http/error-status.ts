import type { RemoteError, RemoteErrorKind } from '@payment-ledger/contracts';

/**
 * The one place a refusal becomes an HTTP status. Services answer with a kind and a stable code (domain errors carry
 * no transport status, see @payment-ledger/domain-kernel); the API's statuses are decided here, at the edge.
 */
const STATUS_OF_KIND: Readonly<Record<RemoteErrorKind, number>> = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  unavailable: 503,
  internal: 500,
};

/** Codes whose status is not their kind's. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = {};

export function httpStatusOf(error: Pick<RemoteError, 'kind' | 'failureCode'>): number {
  return STATUS_OF_CODE[error.failureCode] ?? STATUS_OF_KIND[error.kind] ?? 500;
}
