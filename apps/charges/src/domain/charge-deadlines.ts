import type { ChargeState } from './charge.decider';
import { exists, openAmount } from './charge.decider';
import type { ChargeEvent } from '@payment-ledger/contracts';

/** Timers a charge needs: each fires a command when due; a command that finds nothing to do emits no event. */
export type ChargeDeadlineKind = 'authentication_timeout' | 'authorization_check' | 'capture_window' | 'provider_retry';

/**
 * How long a provider call may go unanswered in the log before a retry makes it again (same idempotency key). Most
 * answers are appended within milliseconds of their intent; this is for a crash or a failed call in between.
 */
export const PROVIDER_RETRY_AFTER_MS = 10_000;

export interface ChargeDeadline {
  kind: ChargeDeadlineKind;
  dueAt: string;
}

/**
 * The timers read from the event log after the fact (ChargeDeadlineFeed) rather than written by the command: a
 * creation's redirect expiry (none for a merchant-initiated charge), and a retry for each provider call whose intent
 * has no answer among the events read with it. Creation and provider calls are the busiest paths, and these timers
 * need nothing but the events; an answer that lands after the read leaves a retry that fires and finds nothing to do.
 */
export function logDeadlines(events: readonly { chargeId: string; event: ChargeEvent }[]): (ChargeDeadline & {
  chargeId: string;
})[] {
  const deadlines: (ChargeDeadline & { chargeId: string })[] = [];
  const unanswered = new Map<string, { chargeId: string; at: string }>();
  for (const { chargeId, event } of events) {
    switch (event.type) {
      case 'ChargeCreated':
        if (event.data.authenticationExpiresAt !== null) {
          deadlines.push({ chargeId, kind: 'authentication_timeout', dueAt: event.data.authenticationExpiresAt });
        }
        break;
      case 'ChargeAuthorizationRequested':
        unanswered.set(event.data.authorizationId, { chargeId, at: event.data.at });
        break;
      case 'ChargeCaptureRequested':
        unanswered.set(event.data.captureId, { chargeId, at: event.data.at });
        break;
      case 'ChargeVoidRequested':
        unanswered.set(event.data.voidId, { chargeId, at: event.data.at });
        break;
      case 'ChargeAuthorized':
      case 'ChargeAuthorizationPending':
      case 'ChargeAuthorizationDeclined':
        unanswered.delete(event.data.authorizationId);
        break;
      case 'ChargeCaptured':
      case 'ChargeCaptureFailed':
        unanswered.delete(event.data.captureId);
        break;
      case 'ChargeVoided':
      case 'ChargeVoidFailed':
        unanswered.delete(event.data.voidId);
        break;
    }
  }
  const retries = new Map<string, string>();
  for (const { chargeId, at } of unanswered.values()) {
    const dueAt = new Date(Date.parse(at) + PROVIDER_RETRY_AFTER_MS).toISOString();
    if (!retries.has(chargeId) || dueAt < retries.get(chargeId)!) retries.set(chargeId, dueAt);
  }
  for (const [chargeId, dueAt] of retries) deadlines.push({ chargeId, kind: 'provider_retry', dueAt });
  return deadlines;
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
      case 'ChargeCaptured':
      case 'ChargeCaptureFailed':
      case 'ChargeVoidFailed':
        // The window's timer finds nothing to do while a first capture (or a void) is under way; one answered after
        // that with money still open — captured in part, or refused — sets it again (due at once when the window
        // has closed), so the rest is released. Setting it again before it fired changes nothing (same charge, kind
        // and time).
        if (exists(stateAfter) && stateAfter.captureExpiresAt !== null && openAmount(stateAfter) > 0) {
          deadlines.push({ kind: 'capture_window', dueAt: stateAfter.captureExpiresAt });
        }
        break;
    }
  }
  return deadlines;
}
