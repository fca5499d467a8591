import type { Timer } from '@payment-ledger/timers';
import type { RefundTimer } from '../domain/refund-timers';

/** The timer engine's queue of refund timers (libs/timers): key the charge id, kind the timer's kind. */
export const REFUND_TIMERS = 'refund-timers';

export function refundTimers(chargeId: string, timers: readonly RefundTimer[]): Timer[] {
  return timers.map((t) => ({ queue: REFUND_TIMERS, key: chargeId, kind: t.kind, dueAt: new Date(t.dueAt) }));
}
