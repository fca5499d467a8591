import { Inject, Injectable } from '@nestjs/common';
import { chargeExists, chargeModel, type ChargeState, parseChargeEvent } from '@payment-ledger/contracts';
import type { EventStore } from '@payment-ledger/event-store';
import { EVENT_STORE, type FoldedView, FoldedViewProjection } from '@payment-ledger/messaging';

/** The projection's name: its checkpoint in `relay_checkpoints`, and what the list waits on (read-your-writes). */
export const CHARGE_LIST_PROJECTION = 'charges.list-view';

const CHARGE_LIST_VIEW: FoldedView<ChargeState> = {
  table: 'charge_list_view',
  idColumn: 'charge_id',
  streamType: 'charge',
  columnTypes: {
    merchant_id: 'text',
    status: 'text',
    merchant_payment_charge_reference: 'text',
    agreement_id: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  initialState: chargeModel.initialState,
  // The public charge model's fold over parsed events; a type this build does not know is passed over.
  evolve: (state, stored) => {
    const event = parseChargeEvent(stored);
    return event ? chargeModel.evolve(state, event) : state;
  },
  columnsOf: (state) =>
    chargeExists(state)
      ? {
          merchant_id: state.merchant.id,
          status: state.status,
          merchant_payment_charge_reference: state.merchantPaymentChargeReference,
          agreement_id: state.agreementId,
          created_at: state.createdAt,
          updated_at: state.updatedAt,
        }
      : null,
};

/**
 * Keeps `charge_list_view` (one row per charge: its folded state) from this service's own `charge` events, read from the event
 * store by the projection runner (checkpoint `charges.list-view`), not from Kafka. Rebuild it with
 * `npm run cli -- rebuild charges.list-view`.
 *
 * The rows are the ChargeListViewEntity entity's, read through its repository (the list query); the writes stay SQL: the runner
 * applies a batch of events as one multi-row upsert per batch (FoldedViewProjection: `INSERT … SELECT … FROM unnest`
 * … `ON CONFLICT DO UPDATE … WHERE` the stored stream version is older), where entity saves would be a statement per
 * row and could not skip a stale version in the same statement; the rebuild swaps a table in under the same name.
 */
@Injectable()
export class ChargeListProjection extends FoldedViewProjection<ChargeState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(CHARGE_LIST_PROJECTION, CHARGE_LIST_VIEW, store);
  }
}
