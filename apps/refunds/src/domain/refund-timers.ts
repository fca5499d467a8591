/**
 * The timers a charge's refunds need, each firing a command that does nothing when there is nothing left to do:
 * `provider_retry` makes again a refund call whose answer was never recorded (a crash or a failed call; same
 * idempotency key), and `refund_check` asks the provider about refunds it accepted to settle later.
 */
import type { ChargeRefundsState } from './charge-refunds.decider';
import type { RefundEvent } from '@payment-ledger/contracts';

export type RefundTimerKind = 'provider_retry' | 'refund_check';

/** How long a refund call may go unanswered in the log before a retry makes it again (same idempotency key). */
export const PROVIDER_RETRY_AFTER_MS = 10_000;

export interface RefundTimer {
  kind: RefundTimerKind;
  dueAt: string;
}

/** The timers a step's new events start; written in the transaction that appends them. */
export function timersOf(events: readonly RefundEvent[]): RefundTimer[] {
  const timers: RefundTimer[] = [];
  for (const event of events) {
    if (event.type === 'RefundRequested') {
      const dueAt = new Date(Date.parse(event.data.at) + PROVIDER_RETRY_AFTER_MS).toISOString();
      timers.push({ kind: 'provider_retry', dueAt });
    } else if (event.type === 'RefundPending') {
      timers.push({ kind: 'refund_check', dueAt: event.data.checkAfter });
    }
  }
  return timers;
}

/** The refunds the provider accepted and has not settled whose check is due at `now`, and when the next one is. */
export function refundChecks(
  state: ChargeRefundsState,
  now: Date,
): { due: { refundId: string; providerReference: string }[]; nextAt: string | null } {
  const due: { refundId: string; providerReference: string }[] = [];
  let nextAt: string | null = null;
  for (const r of state.refunds) {
    if (r.status !== 'REFUND_PENDING' || r.providerReference === null || r.checkAfter === null) continue;
    if (Date.parse(r.checkAfter) <= now.getTime()) due.push({ refundId: r.id, providerReference: r.providerReference });
    else if (nextAt === null || r.checkAfter < nextAt) nextAt = r.checkAfter;
  }
  return { due, nextAt };
}
