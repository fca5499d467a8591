import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { type EventStore, fold } from '@payment-ledger/event-store';
import { EVENT_STORE, type EventEnvelope } from '@payment-ledger/messaging';
import { asChargeEvent } from '../application/charge-command.executor';
import { chargeDecider, type ChargeState, exists } from '../domain/charge.decider';

/**
 * Keeps `charge_list_view` (one row per charge, its folded state) from the charge events on Kafka. Runs inside the
 * inbox transaction, so each event is applied once. Events of one charge arrive in order (same key, same
 * partition); if the view is behind by more than one event (say, after it was rebuilt from a later offset), the
 * charge is folded from its stream instead.
 */
@Injectable()
export class ChargeListProjection {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  handle = async (event: EventEnvelope, session: PoolClient): Promise<void> => {
    if (event.streamType !== 'charge') return;
    const { rows } = await session.query<{ stream_version: number; state: ChargeState }>({
      name: 'charge_list_view.lock',
      text: 'SELECT stream_version, state FROM charge_list_view WHERE charge_id = $1 FOR UPDATE',
      values: [event.streamId.slice('charge:'.length)],
    });
    const current = rows[0];
    if (current && current.stream_version >= event.streamVersion) return;
    let state: ChargeState;
    if ((current?.stream_version ?? 0) === event.streamVersion - 1) {
      state = chargeDecider.evolve(current?.state ?? chargeDecider.initialState, asChargeEvent(event));
    } else {
      const history = await this.store.readStream(event.streamId);
      state = fold(chargeDecider, history.filter((e) => e.streamVersion <= event.streamVersion).map(asChargeEvent));
    }
    if (!exists(state)) return;
    await session.query({
      name: 'charge_list_view.upsert',
      text: `INSERT INTO charge_list_view
         (charge_id, merchant_id, status, merchant_payment_charge_reference, agreement_id, stream_version, state,
          created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (charge_id) DO UPDATE SET status = EXCLUDED.status, stream_version = EXCLUDED.stream_version,
         state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
      values: [
        state.id,
        state.merchant.id,
        state.status,
        state.merchantPaymentChargeReference,
        state.agreementId,
        event.streamVersion,
        JSON.stringify(state),
        state.createdAt,
        state.updatedAt,
      ],
    });
  };
}
