import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { chargeIdOfRefundStream } from '@payment-ledger/contracts';
import { type EventStore, type RecordedEvent, upcastEvent } from '@payment-ledger/event-store';
import { EVENT_STORE, LogTimerFeed } from '@payment-ledger/messaging';
import { PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore, type Timer } from '@payment-ledger/timers';
import { chargeRefundsDecider } from '../domain/charge-refunds.decider';
import { logTimers } from '../domain/refund-timers';
import { refundTimers } from './refund-timers';

/**
 * The provider retries read from the refund event log (logTimers) rather than written by each refund (see
 * LogTimerFeed); RefundTimerWorker catches it up before it looks for due timers.
 *
 * Replaced, not kept: a retry of the charge may be running right now on a read that predates these intents, and
 * would settle (delete) its row afterwards; a timer moved meanwhile is not deleted, so it runs again for them.
 */
@Injectable()
export class RefundTimerFeed extends LogTimerFeed {
  readonly name = 'refunds.retry-timers';
  readonly streamTypes = ['refund'];

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(EVENT_STORE) store: EventStore, timers: PostgresTimerStore) {
    super(pool, store, timers, 'replace');
  }

  protected timersOf(events: readonly RecordedEvent[]): Timer[] {
    const timers = logTimers(
      events.map((event) => ({
        chargeId: chargeIdOfRefundStream(event.streamId),
        event: upcastEvent(chargeRefundsDecider, event),
      })),
    );
    return timers.flatMap((t) => refundTimers(t.chargeId, [t]));
  }
}
