import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type EventStore, inTransaction, LOG_START, type LogCursor } from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { PG_POOL } from '@payment-ledger/platform';
import { creationDeadlines } from '../domain/charge-deadlines';
import { asChargeEvent } from './charge-command.executor';

const FEED = 'creation';

/**
 * Writes the timers that charge creations start (the redirect's expiry), read from the charge event log rather
 * than written by each create command: one read of the log and one multi-row insert for every creation since the
 * last catch-up, instead of a statement on the path of every create.
 *
 * The log is the store itself, not Kafka, so a timer is as durable as its event and is never lost, only found a
 * poll later (ChargeDeadlineWorker catches up before it looks for due timers). Where the reading has got to is kept
 * in `charge_deadline_feed`, moved in the same transaction as the timers it wrote, under a row lock: replicas
 * catching up at once take turns, and no event is read twice.
 */
@Injectable()
export class ChargeDeadlineFeed {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** Reads the log up to its end, `batchSize` events per transaction; returns how many timers it wrote. */
  async catchUp(batchSize = 2000): Promise<number> {
    let written = 0;
    for (;;) {
      const step = await inTransaction(this.pool, async (session) => {
        await session.query(
          `INSERT INTO charge_deadline_feed (feed, transaction_id, global_position) VALUES ($1, $2::xid8, $3)
           ON CONFLICT (feed) DO NOTHING`,
          [FEED, LOG_START.transactionId, LOG_START.globalPosition],
        );
        const { rows } = await session.query<{ transaction_id: string; global_position: string }>(
          `SELECT transaction_id::text, global_position FROM charge_deadline_feed WHERE feed = $1 FOR UPDATE`,
          [FEED],
        );
        const from: LogCursor = {
          transactionId: rows[0].transaction_id,
          globalPosition: Number(rows[0].global_position),
        };
        const { events, cursor } = await this.store.readAll(from, { limit: batchSize, streamTypes: ['charge'] });
        if (events.length === 0) return { read: 0, timers: 0 };
        const timers = events.flatMap((event) =>
          creationDeadlines(asChargeEvent(event)).map((d) => ({
            chargeId: event.streamId.slice('charge:'.length),
            ...d,
          })),
        );
        if (timers.length > 0) {
          // A creation's timer is never moved, so one already there (written again after a crash) stays as it is.
          await session.query({
            name: 'charge_deadline_feed.timers',
            text: `INSERT INTO charge_deadlines (charge_id, kind, due_at)
                   SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[]) ON CONFLICT DO NOTHING`,
            values: [timers.map((t) => t.chargeId), timers.map((t) => t.kind), timers.map((t) => t.dueAt)],
          });
        }
        await session.query(
          `UPDATE charge_deadline_feed SET transaction_id = $2::xid8, global_position = $3, updated_at = now()
           WHERE feed = $1`,
          [FEED, cursor.transactionId, cursor.globalPosition],
        );
        return { read: events.length, timers: timers.length };
      });
      written += step.timers;
      if (step.read < batchSize) return written;
    }
  }
}
