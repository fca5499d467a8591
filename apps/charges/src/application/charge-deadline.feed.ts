import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { type EventStore, type RecordedEvent, upcastEvent } from '@payment-ledger/event-store';
import { catchUpProjection, EVENT_STORE, type Projection } from '@payment-ledger/messaging';
import { PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import { chargeDecider } from '../domain/charge.decider';
import { logDeadlines } from '../domain/charge-deadlines';
import { CHARGE_DEADLINES } from './charge-deadline.timers';

/** The feed's checkpoint in relay_checkpoints; named when it wrote creation timers only. */
const FEED = 'charges.creation-timers';

/**
 * Writes the timers that are read from the charge event log rather than written by each command (logDeadlines): a
 * creation's redirect expiry, and a retry of each provider call whose answer is not in the log yet. One read of the
 * log and one multi-row insert for everything since the last catch-up, instead of a statement on the busiest paths.
 *
 * It follows the log with the projection runner's batch loop (catchUpProjection: safe position, the checkpoint
 * moved in the same transaction as the timers, under its row lock, so replicas take turns and no event is read
 * twice). Its table is the shared `timers` table, not a read model of its own, so it is never rebuilt. The log is
 * the store itself, not Kafka: a timer is as durable as its event and is never lost, only found a poll later
 * (ChargeDeadlineWorker catches up before it looks for due timers).
 */
@Injectable()
export class ChargeDeadlineFeed implements Projection {
  readonly name = FEED;
  readonly table = 'timers';
  readonly streamTypes = ['charge'];

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly timers: PostgresTimerStore,
  ) {}

  /** Reads the log up to its end, `batchSize` events per transaction; returns how many events it read. */
  catchUp(batchSize = 500): Promise<number> {
    return catchUpProjection(this.pool, this.store, this, undefined, batchSize);
  }

  async apply(session: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
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
  }
}
