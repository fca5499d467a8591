/**
 * What services that wait for a charge learn from its events: it was captured (`ChargeCaptured`) or declined
 * (`ChargeAuthorizationDeclined`). Intents (`…Requested`) and intermediate steps are not outcomes.
 */
import type { ChargeEvent } from './charge-events';
import type { ChargeFailure } from '../payment-charge';

export type ChargeSettlement = { status: 'CAPTURED'; failure: null } | { status: 'DECLINED'; failure: ChargeFailure };

/** The event types that settle a charge: a consumer of outcomes subscribes to these. */
export const CHARGE_SETTLEMENT_EVENT_TYPES = ['ChargeCaptured', 'ChargeAuthorizationDeclined'] as const;

/** The outcome an event settles a charge with, or null when it settles nothing. */
export function chargeSettlementOf(event: ChargeEvent): ChargeSettlement | null {
  switch (event.type) {
    case 'ChargeCaptured':
      return { status: 'CAPTURED', failure: null };
    case 'ChargeAuthorizationDeclined':
      return { status: 'DECLINED', failure: event.data.failure };
    default:
      return null;
  }
}

/** The charge id of a `charge:<chargeId>` stream. */
export function chargeIdOfStream(streamId: string): string {
  return streamId.slice('charge:'.length);
}
