import type { Timer } from '@payment-ledger/timers';
import type { ChargeDeadline } from '../domain/charge-deadlines';

/** The timer engine's queue of charge deadlines (libs/timers): key the charge id, kind the deadline's kind. */
export const CHARGE_DEADLINES = 'charge-deadlines';

export function chargeDeadlineTimers(chargeId: string, deadlines: readonly ChargeDeadline[]): Timer[] {
  return deadlines.map((d) => ({ queue: CHARGE_DEADLINES, key: chargeId, kind: d.kind, dueAt: new Date(d.dueAt) }));
}
