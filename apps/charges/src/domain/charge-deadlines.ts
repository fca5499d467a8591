import type { ChargeState } from './charge.decider';
import { exists, openAmount } from './charge.decider';
import type { ChargeEvent } from './charge-events';

/** Timers a charge needs: each fires a command when due; a command that finds nothing to do emits no event. */
export type ChargeDeadlineKind = 'authentication_timeout' | 'authorization_check' | 'capture_window';

export interface ChargeDeadline {
  kind: ChargeDeadlineKind;
  dueAt: string;
}

/** The timers that new events start. */
export function deadlinesFor(events: ChargeEvent[], stateAfter: ChargeState): ChargeDeadline[] {
  const deadlines: ChargeDeadline[] = [];
  for (const event of events) {
    switch (event.type) {
      case 'ChargeCreated':
        if (event.data.authenticationExpiresAt !== null) {
          deadlines.push({ kind: 'authentication_timeout', dueAt: event.data.authenticationExpiresAt });
        }
        break;
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
