import { Inject, Injectable } from '@nestjs/common';
import { agreementExists, agreementModel, type AgreementState, parseAgreementEvent } from '@payment-ledger/contracts';
import type { EventStore } from '@payment-ledger/event-store';
import { EVENT_STORE, type FoldedView, FoldedViewProjection } from '@payment-ledger/messaging';

/** The projection's name: its checkpoint in `relay_checkpoints`, and what the list waits on (read-your-writes). */
export const AGREEMENT_LIST_PROJECTION = 'agreements.list-view';

const AGREEMENT_LIST_VIEW: FoldedView<AgreementState> = {
  table: 'agreement_list_view',
  idColumn: 'agreement_id',
  streamType: 'agreement',
  columnTypes: {
    merchant_id: 'text',
    status: 'text',
    merchant_payment_agreement_reference: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
  },
  initialState: agreementModel.initialState,
  // The public agreement model's fold over parsed events; a type this build does not know is passed over.
  evolve: (state, stored) => {
    const event = parseAgreementEvent(stored);
    return event ? agreementModel.evolve(state, event) : state;
  },
  columnsOf: (state) =>
    agreementExists(state)
      ? {
          merchant_id: state.merchant.id,
          status: state.status,
          merchant_payment_agreement_reference: state.merchantPaymentAgreementReference,
          created_at: state.createdAt,
          updated_at: state.updatedAt,
        }
      : null,
};

/**
 * Keeps `agreement_list_view` (one row per agreement: its folded state) from this service's own `agreement`
 * events, read from the event store by the projection runner (checkpoint `agreements.list-view`), not from Kafka.
 * Rebuild it with `npm run cli -- rebuild agreements.list-view`.
 *
 * The rows are the AgreementListViewEntity entity's, read through its repository (the list query); the writes stay SQL: the runner
 * applies a batch of events as one multi-row upsert per batch (FoldedViewProjection: `INSERT … SELECT … FROM unnest`
 * … `ON CONFLICT DO UPDATE … WHERE` the stored stream version is older), where entity saves would be a statement per
 * row and could not skip a stale version in the same statement; the rebuild swaps a table in under the same name.
 */
@Injectable()
export class AgreementListProjection extends FoldedViewProjection<AgreementState> {
  constructor(@Inject(EVENT_STORE) store: EventStore) {
    super(AGREEMENT_LIST_PROJECTION, AGREEMENT_LIST_VIEW, store);
  }
}
