import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { EventStore } from '@payment-ledger/event-store';
import { applyToFoldedView, EVENT_STORE, type EventEnvelope, type FoldedView } from '@payment-ledger/messaging';
import { asAgreementEvent } from '../application/agreement-repository';
import { agreementDecider, type AgreementState, exists } from '../domain/agreement.decider';

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
  initialState: agreementDecider.initialState,
  evolve: (state, event) => agreementDecider.evolve(state, asAgreementEvent(event)),
  columnsOf: (state) =>
    exists(state)
      ? {
          merchant_id: state.merchant.id,
          status: state.status,
          merchant_payment_agreement_reference: state.merchantPaymentAgreementReference,
          created_at: state.createdAt,
          updated_at: state.updatedAt,
        }
      : null,
};

/** Keeps `agreement_list_view` (one row per agreement: its folded state) from the agreement events on Kafka. */
@Injectable()
export class AgreementListProjection {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  handleBatch = (events: EventEnvelope[], session: PoolClient): Promise<void> =>
    applyToFoldedView(session, this.store, AGREEMENT_LIST_VIEW, events);
}
