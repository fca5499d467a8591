import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import {
  chargeIdOfRefundStream,
  type ChargeRefundsState,
  evolveChargeRefunds,
  initialChargeRefundsState,
  parseRefundEvent,
  type RefundRecord,
} from '@payment-ledger/contracts';
import type { RecordedEvent } from '@payment-ledger/event-store';
import type { Projection } from '@payment-ledger/messaging';

/** The projection's name: its checkpoint in `relay_checkpoints`, and what the list waits on (read-your-writes). */
export const REFUND_LIST_PROJECTION = 'refunds.list-view';

/**
 * Keeps `refund_list_view` (one row per refund) from the `refund` streams, read from the event store by the projection
 * runner (not from Kafka). A refund stream holds a whole charge's refunds, so this is not a one-row-per-stream folded
 * view: each batch reads the rows of the refunds it touches, folds their events with the public model's fold (a
 * state holding just that refund), and writes them back in one multi-row upsert. Chargebacks are not listed here.
 * Rebuild with `npm run cli -- rebuild refunds.list-view`.
 */
@Injectable()
export class RefundListProjection implements Projection {
  readonly name = REFUND_LIST_PROJECTION;
  readonly table = 'refund_list_view';
  readonly streamTypes = ['refund'];

  async apply(session: PoolClient, events: readonly RecordedEvent[], table: string): Promise<void> {
    const parsed = events.flatMap((stored) => {
      const event = parseRefundEvent(stored);
      if (!event || !('refundId' in event.data)) return [];
      return [{ refundId: event.data.refundId, chargeId: chargeIdOfRefundStream(stored.streamId), event }];
    });
    if (parsed.length === 0) return;
    const ids = [...new Set(parsed.map((p) => p.refundId))];
    const { rows } = await session.query<{ refund_id: string; merchant_id: string; state: RefundRecord }>(
      `SELECT refund_id, merchant_id, state FROM ${table} WHERE refund_id = ANY($1::text[])`,
      [ids],
    );
    const states = new Map<string, ChargeRefundsState>(
      rows.map((r) => [
        r.refund_id,
        { ...initialChargeRefundsState, chargeId: r.state.chargeId, merchantId: r.merchant_id, refunds: [r.state] },
      ]),
    );
    for (const { refundId, event } of parsed) {
      states.set(refundId, evolveChargeRefunds(states.get(refundId) ?? initialChargeRefundsState, event));
    }
    const written = [...states.values()].flatMap((state) =>
      state.refunds.length === 1 && state.merchantId !== null
        ? [{ merchantId: state.merchantId, ...state.refunds[0] }]
        : [],
    );
    await session.query(
      `INSERT INTO ${table} (refund_id, merchant_id, charge_id, status, state, created_at, updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::timestamptz[])
       ON CONFLICT (refund_id) DO UPDATE
         SET status = EXCLUDED.status, state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
      [
        written.map((r) => r.id),
        written.map((r) => r.merchantId),
        written.map((r) => r.chargeId),
        written.map((r) => r.status),
        written.map(({ merchantId: _merchant, ...record }) => JSON.stringify(record)),
        written.map((r) => r.createdAt),
        written.map((r) => r.updatedAt),
      ],
    );
  }
}
