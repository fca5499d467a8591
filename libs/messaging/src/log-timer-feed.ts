import type { Pool, PoolClient } from 'pg';
import type { EventStore, RecordedEvent } from '@payment-ledger/event-store';
import type { ScheduleMode, Timer, TimerStore } from '@payment-ledger/timers';
import { catchUpProjection, type Projection } from './projection-runner';

/**
 * Timers read from the event log after the fact rather than written by each command: a service's feed says which
 * timers a batch of its events calls for (`timersOf`), and the feed writes them in one multi-row insert per batch,
 * instead of a statement on its busiest paths (charge creations, provider intents).
 *
 * It follows the log with the projection runner's batch loop (catchUpProjection: safe position, the checkpoint moved
 * in the same transaction as the timers, under its row lock, so replicas take turns and no event is read twice). Its
 * table is the shared `timers` table, not a read model of its own, so it is never rebuilt. A timer is as durable as
 * its event and is never lost, only found a poll later: the worker that runs the timers catches the feed up before
 * it looks for due ones.
 */
export abstract class LogTimerFeed implements Projection {
  readonly table = 'timers';
  abstract readonly name: string;
  abstract readonly streamTypes: readonly string[];

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly timers: TimerStore<PoolClient>,
    /** What a timer already set does when the feed sets it again (see ScheduleMode). */
    private readonly mode: ScheduleMode,
  ) {}

  /** The timers these events call for, in log order. */
  protected abstract timersOf(events: readonly RecordedEvent[]): Timer[];

  /** Reads the log up to its end, `batchSize` events per transaction; returns how many events it read. */
  catchUp(batchSize = 500): Promise<number> {
    return catchUpProjection(this.pool, this.store, this, undefined, batchSize);
  }

  async apply(session: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    await this.timers.schedule(this.timersOf(events), { mode: this.mode, session });
  }
}
