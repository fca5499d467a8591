import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import {
  type MerchantEvent,
  type MerchantEventSource,
  merchantEventSourceOf,
  toCloudEvent,
} from '@payment-ledger/contracts';
import { type EventStore, type RecordedEvent, StreamSnapshotCache } from '@payment-ledger/event-store';
import { EVENT_STORE, foldStream, type Projection } from '@payment-ledger/messaging';
import { MERCHANT_EVENT_STREAM_TYPES } from '../application/merchant-event.consumer';

/** The projection's name: its checkpoint in `relay_checkpoints`, and what the list waits on (read-your-writes). */
export const MERCHANT_EVENT_LOG_PROJECTION = 'webhooks.merchant-events';

/** Streams whose folded state the projection keeps between batches (least recently used go first). */
const SNAPSHOTS_KEPT = 10_000;

/**
 * Keeps `merchant_events` (the merchant's event log, `GET /v1/events`) from the charge, agreement and refund streams
 * of the global event log, read by the projection runner from the start of the log, so an event of any age is
 * listed, whether or not an endpoint existed then. Each stream's events are folded with its public model's fold
 * (merchantEventSourceOf, the same mapping the deliveries come from), and each merchant event is written as the
 * CloudEvent the deliveries send: never an internal event type.
 *
 * Folding needs each stream's state before the batch's first event of it. The table keeps merchant events, not
 * states (most domain events yield none), so the state comes, cheapest first, from: the initial state when the
 * batch starts at the stream's first event; the state this projection left the stream at in memory, when it is the
 * version just before; else a read of the stream from the event store, in the batch's transaction (after a restart,
 * or in a rebuild that runs beside the live runner). The cache is of states at stream versions, which the log fixes:
 * it is right for the live table and a rebuild's copy alike, and a rolled-back batch leaves it right too.
 *
 * The rows are one multi-row insert; a batch applied again (a checkpoint moved back) changes nothing, the ids being
 * derived from the domain events'. Rebuild with `npm run cli -- rebuild webhooks.merchant-events`.
 */
@Injectable()
export class MerchantEventLogProjection implements Projection {
  readonly name = MERCHANT_EVENT_LOG_PROJECTION;
  readonly table = 'merchant_events';
  readonly streamTypes = MERCHANT_EVENT_STREAM_TYPES;
  private readonly snapshots = new StreamSnapshotCache<unknown>(SNAPSHOTS_KEPT);

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async apply(session: PoolClient, events: readonly RecordedEvent[], table: string): Promise<void> {
    const byStream = new Map<string, RecordedEvent[]>();
    for (const event of events) {
      if (!merchantEventSourceOf(event.streamType)) continue;
      const streamEvents = byStream.get(event.streamId);
      if (streamEvents) streamEvents.push(event);
      else byStream.set(event.streamId, [event]);
    }
    const merchantEvents: MerchantEvent[] = [];
    for (const streamEvents of byStream.values()) {
      const source = merchantEventSourceOf(streamEvents[0].streamType)!;
      let state = await this.stateBefore(session, source, streamEvents[0]);
      for (const event of streamEvents) {
        const after = source.evolve(state, event);
        merchantEvents.push(...source.merchantEventsOf(state, after, event));
        state = after;
      }
      const last = streamEvents[streamEvents.length - 1];
      this.snapshots.set(last.streamId, { state, version: last.streamVersion });
    }
    if (merchantEvents.length > 0) await insertMerchantEvents(session, table, merchantEvents);
  }

  /** The stream's state just before `first`: initial, remembered, or folded from the event store. */
  private async stateBefore(
    session: PoolClient,
    source: MerchantEventSource<unknown>,
    first: RecordedEvent,
  ): Promise<unknown> {
    if (first.streamVersion === 1) return source.initialState;
    const known = this.snapshots.get(first.streamId);
    const from = known && known.version < first.streamVersion ? known : { version: 0, state: source.initialState };
    if (from.version === first.streamVersion - 1) return from.state;
    // A gap before `first`: the stream's missing events, read in the batch's transaction (FoldedView does the same).
    const missing = await this.store.readStream(first.streamId, from.version + 1, session);
    const folded = foldStream(
      { evolve: source.evolve },
      { streamVersion: from.version, state: from.state },
      missing.filter((e) => e.streamVersion < first.streamVersion),
    );
    if (folded === 'gap') throw new Error(`stream ${first.streamId} has a gap before version ${first.streamVersion}`);
    return folded.state;
  }
}

/** One `INSERT … SELECT FROM unnest(…)` of the batch's merchant events; one already there is left as it is. */
async function insertMerchantEvents(session: PoolClient, table: string, events: MerchantEvent[]): Promise<void> {
  await session.query({
    name: `${table}.insert`,
    text: `INSERT INTO ${table} (event_id, merchant_id, type, object_type, object_id, stream_id, stream_version,
                                 global_position, time, payload)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::integer[],
                                $8::bigint[], $9::timestamptz[], $10::jsonb[])
           ON CONFLICT (event_id) DO NOTHING`,
    values: [
      events.map((e) => e.id),
      events.map((e) => e.merchantId),
      events.map((e) => e.type),
      events.map((e) => e.objectType),
      events.map((e) => e.objectId),
      events.map((e) => e.streamId),
      events.map((e) => e.streamVersion),
      events.map((e) => e.globalPosition ?? null),
      events.map((e) => e.time),
      events.map((e) => JSON.stringify(toCloudEvent(e))),
    ],
  });
}
