import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type EventStore, inTransaction, upcastEvent } from '@payment-ledger/event-store';
import { EVENT_STORE, readLogCheckpoint, saveLogCheckpoint } from '@payment-ledger/messaging';
import { PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import { chargeDecider } from '../domain/charge.decider';
import { logDeadlines } from '../domain/charge-deadlines';
import { CHARGE_DEADLINES } from './charge-deadline.timers';

/** The feed's name for its log checkpoint (see readLogCheckpoint); named when it wrote creation timers only. */
const FEED = 'charges.creation-timers';

/**
 * Writes the timers that are read from the charge event log rather than written by each command (logDeadlines): a
 * creation's redirect expiry, and a retry of each provider call whose answer is not in the log yet. One read of the
 * log and one multi-row insert for everything since the last catch-up, instead of a statement on the busiest paths.
 *
 * The log is the store itself, not Kafka, so a timer is as durable as its event and is never lost, only found a
 * poll later (ChargeDeadlineWorker catches up before it looks for due timers). Where the reading has got to is a log
 * checkpoint like a relay's, moved in the same transaction as the timers it wrote, under a row lock: replicas
 * catching up at once take turns, and no event is read twice.
 */
@Injectable()
export class ChargeDeadlineFeed {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly timers: PostgresTimerStore,
  ) {}

  /** Reads the log up to its end, `batchSize` events per transaction; returns how many timers it wrote. */
  async catchUp(batchSize = 500): Promise<number> {
    let written = 0;
    for (;;) {
      const step = await inTransaction(this.pool, async (session) => {
        const from = await readLogCheckpoint(session, FEED, { forUpdate: true });
        const { events, cursor } = await this.store.readAll(from, { limit: batchSize, streamTypes: ['charge'] });
        if (events.length === 0) return { read: 0, timers: 0 };
        const timers = logDeadlines(
          events.map((event) => ({
            chargeId: event.streamId.slice('charge:'.length),
            event: upcastEvent(chargeDecider, event),
          })),
        );
        // A creation's timer is never moved, and a retry already waiting is as good as a new one, so a timer already
        // there (written again after a crash) stays as it is: one multi-row insert through the timer engine.
        await this.timers.schedule(
          timers.map((t) => ({ queue: CHARGE_DEADLINES, key: t.chargeId, kind: t.kind, dueAt: new Date(t.dueAt) })),
          { mode: 'keep', session },
        );
        await saveLogCheckpoint(session, FEED, cursor);
        return { read: events.length, timers: timers.length };
      });
      written += step.timers;
      if (step.read < batchSize) return written;
    }
  }
}
