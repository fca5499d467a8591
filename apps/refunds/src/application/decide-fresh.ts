import { DomainError } from '@payment-ledger/domain-kernel';

/**
 * Runs a decision on what this process last saw of the streams it reads (cached snapshots); a refusal that depends on
 * the state (a conflict, or something not found) is decided again on fresh reads before it becomes the answer, since a
 * cached snapshot can be stale: a capture, a failed refund, a chargeback it does not know of yet. A refusal of the
 * request itself (`invalid`) would be the same on any state.
 */
export async function decideFresh<T>(attempt: (fresh: boolean) => Promise<T>): Promise<T> {
  try {
    return await attempt(false);
  } catch (error) {
    if (error instanceof DomainError && error.kind !== 'invalid') return attempt(true);
    throw error;
  }
}
