import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { type EventStore, fold } from '@payment-ledger/event-store';
import { EVENT_STORE, type EventEnvelope } from '@payment-ledger/messaging';
import { asAgreementEvent } from '../application/agreement-repository';
import { agreementDecider, type AgreementState, exists } from '../domain/agreement.decider';

/**
 * Keeps `agreement_list_view` from the agreement events on Kafka (inside the inbox transaction: once per event).
 * A gap in the versions (say, after a rebuild from a later offset) is filled by folding the stream.
 */
@Injectable()
export class AgreementListProjection {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  handle = async (event: EventEnvelope, session: PoolClient): Promise<void> => {
    if (event.streamType !== 'agreement') return;
    const { rows } = await session.query<{ stream_version: number; state: AgreementState }>(
      'SELECT stream_version, state FROM agreement_list_view WHERE agreement_id = $1 FOR UPDATE',
      [event.streamId.slice('agreement:'.length)],
    );
    const current = rows[0];
    if (current && current.stream_version >= event.streamVersion) return;
    let state: AgreementState;
    if ((current?.stream_version ?? 0) === event.streamVersion - 1) {
      state = agreementDecider.evolve(current?.state ?? agreementDecider.initialState, asAgreementEvent(event));
    } else {
      const history = await this.store.readStream(event.streamId);
      state = fold(
        agreementDecider,
        history.filter((e) => e.streamVersion <= event.streamVersion).map(asAgreementEvent),
      );
    }
    if (!exists(state)) return;
    await session.query(
      `INSERT INTO agreement_list_view (agreement_id, merchant_id, status, merchant_payment_agreement_reference,
         stream_version, state, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (agreement_id) DO UPDATE SET status = EXCLUDED.status, stream_version = EXCLUDED.stream_version,
         state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
      [
        state.id,
        state.merchant.id,
        state.status,
        state.merchantPaymentAgreementReference,
        event.streamVersion,
        JSON.stringify(state),
        state.createdAt,
        state.updatedAt,
      ],
    );
  };
}
