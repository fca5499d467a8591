import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { chargeIdOfRefundStream } from '@payment-ledger/contracts';
import { type EventStore, type RecordedEvent, upcastEvent } from '@payment-ledger/event-store';
import { catchUpProjection, EVENT_STORE, type Projection } from '@payment-ledger/messaging';
import { PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import { chargeRefundsDecider } from '../domain/charge-refunds.decider';
import { logTimers } from '../domain/refund-timers';
import { refundTimers } from './refund-timers';

/**
 * Writes the provider retries read from the refund event log (logTimers) rather than by each refund: one read of the
 * log and one multi-row insert for everything since the last catch-up. It follows the log with the projection
 * runner's batch loop (safe position; the checkpoint moves in the transaction that writes the timers, under its row
 * lock), as the charges service's deadline feed does; RefundTimerWorker catches it up before it looks for due timers.
 */
@Injectable()
export class RefundTimerFeed implements Projection {
  readonly name = 'refunds.retry-timers';
  readonly table = 'timers';
  readonly streamTypes = ['refund'];

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly timers: PostgresTimerStore,
  ) {}

  catchUp(batchSize = 500): Promise<number> {
    return catchUpProjection(this.pool, this.store, this, undefined, batchSize);
  }

  async apply(session: PoolClient, events: readonly RecordedEvent[]): Promise<void> {
    const timers = logTimers(
      events.map((event) => ({
        chargeId: chargeIdOfRefundStream(event.streamId),
        event: upcastEvent(chargeRefundsDecider, event),
      })),
    );
    // Replaced, not kept: a retry of the charge may be running right now on a read that predates these intents, and
    // would settle (delete) its row afterwards; a timer moved meanwhile is not deleted, so it runs again for them.
    await this.timers.schedule(
      timers.flatMap((t) => refundTimers(t.chargeId, [t])),
      { mode: 'replace', session },
    );
  }
}
