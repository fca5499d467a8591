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

/**
 * The timers a step's new events start, written in the transaction that appends them: a check of a refund the provider
 * settles later. (Retries of unanswered calls are read from the log instead: `logTimers`.)
 */
export function timersOf(events: readonly RefundEvent[]): RefundTimer[] {
  return events.flatMap((event) =>
    event.type === 'RefundPending' ? [{ kind: 'refund_check' as const, dueAt: event.data.checkAfter }] : [],
  );
}

/**
 * The retries read from the event log after the fact (RefundTimerFeed) rather than written by each refund: one per
 * charge with a refund intent whose answer is not among the events read with it, due PROVIDER_RETRY_AFTER_MS after
 * the intent. A refund's busiest path then writes no timer; an answer that lands after the read leaves a retry that
 * fires and finds nothing to do, and a crash between the intent and its call leaves the intent in the log, where the
 * feed finds it.
 */
export function logTimers(
  events: readonly { chargeId: string; event: RefundEvent }[],
): (RefundTimer & { chargeId: string })[] {
  const unanswered = new Map<string, { chargeId: string; at: string }>();
  for (const { chargeId, event } of events) {
    if (event.type === 'RefundRequested') unanswered.set(event.data.refundId, { chargeId, at: event.data.at });
    else if ('refundId' in event.data) unanswered.delete(event.data.refundId);
  }
  const retries = new Map<string, string>();
  for (const { chargeId, at } of unanswered.values()) {
    const dueAt = new Date(Date.parse(at) + PROVIDER_RETRY_AFTER_MS).toISOString();
    const earlier = retries.get(chargeId);
    if (earlier === undefined || dueAt < earlier) retries.set(chargeId, dueAt);
  }
  return [...retries].map(([chargeId, dueAt]) => ({ chargeId, kind: 'provider_retry' as const, dueAt }));
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
