import type { ChargeState } from './charge.decider';
import { exists, openAmount } from './charge.decider';
import type { ChargeEvent } from '@payment-ledger/contracts';

/** Timers a charge needs: each fires a command when due; a command that finds nothing to do emits no event. */
export type ChargeDeadlineKind = 'authentication_timeout' | 'authorization_check' | 'capture_window';

export interface ChargeDeadline {
  kind: ChargeDeadlineKind;
  dueAt: string;
}

/**
 * The timer a charge's creation starts: the consumer's redirect expires (none for a merchant-initiated charge). It
 * is read from the event log after the fact (ChargeDeadlineFeed), not written by the create command: creation is
 * the busiest command, and its timer needs nothing but the event.
 */
export function creationDeadlines(event: ChargeEvent): ChargeDeadline[] {
  return event.type === 'ChargeCreated' && event.data.authenticationExpiresAt !== null
    ? [{ kind: 'authentication_timeout', dueAt: event.data.authenticationExpiresAt }]
    : [];
}

/**
 * The timers that the new events of a command on an existing charge start; the command writes them before its
 * events. They depend on the charge's state after those events.
 */
export function commandDeadlines(events: ChargeEvent[], stateAfter: ChargeState): ChargeDeadline[] {
  const deadlines: ChargeDeadline[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'ChargeAuthorizationPending':
        deadlines.push({ kind: 'authorization_check', dueAt: event.data.checkAfter });
        break;
      case 'ChargeAuthorized':
        // Only an authorization that may stay (partly) uncaptured needs its release timer.
        if (exists(stateAfter) && openAmount(stateAfter) > 0) {
          deadlines.push({ kind: 'capture_window', dueAt: event.data.captureExpiresAt });
        }
        break;
    }
  }
  return deadlines;
}
