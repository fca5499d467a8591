import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type EventStore, type RecordedEvent, upcastEvent } from '@payment-ledger/event-store';
import { EVENT_STORE, LogTimerFeed } from '@payment-ledger/messaging';
import { PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore, type Timer } from '@payment-ledger/timers';
import { chargeDecider } from '../domain/charge.decider';
import { logDeadlines } from '../domain/charge-deadlines';
import { chargeDeadlineTimers } from './charge-deadline.timers';

/** The feed's checkpoint in relay_checkpoints; named when it wrote creation timers only. */
const FEED = 'charges.creation-timers';

/**
 * The timers read from the charge event log rather than written by each command (logDeadlines): a creation's
 * redirect expiry, and a retry of each provider call whose answer is not in the log yet (see LogTimerFeed).
 * ChargeDeadlineWorker catches it up before it looks for due timers. A creation's timer is never moved, and a retry
 * already waiting is as good as a new one, so a timer already there (written again after a crash) stays as it is.
 */
@Injectable()
export class ChargeDeadlineFeed extends LogTimerFeed {
  readonly name = FEED;
  readonly streamTypes = ['charge'];

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(EVENT_STORE) store: EventStore, timers: PostgresTimerStore) {
    super(pool, store, timers, 'keep');
  }

  protected timersOf(events: readonly RecordedEvent[]): Timer[] {
    return logDeadlines(
      events.map((event) => ({
        chargeId: event.streamId.slice('charge:'.length),
        event: upcastEvent(chargeDecider, event),
      })),
    ).flatMap((t) => chargeDeadlineTimers(t.chargeId, [t]));
  }
}
