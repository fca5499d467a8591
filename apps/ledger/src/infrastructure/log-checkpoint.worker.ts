import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { writeLogCheckpoint } from '@payment-ledger/event-store';
import { CLOCK, type Clock, JsonLogger, PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore, type TimerOutcome, TimerWorker } from '@payment-ledger/timers';
import { LEDGER_CONFIG, type LedgerConfig } from '../ledger.config';

const QUEUE = 'ledger.log-checkpoints';
const KEY = 'event-log';

/**
 * Writes a checkpoint of the event log (writeLogCheckpoint, libs/event-store: a hash over the stream heads up to the
 * safe position) every LOG_CHECKPOINT_INTERVAL_MS, on the timer engine: one timer, claimed by one replica at a time,
 * set again after each run, so replicas share it and a restart does not reset it. `verify` recomputes them; an event
 * stored before the hash chains existed is protected by the checkpoints only.
 */
@Injectable()
export class LogCheckpointWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: TimerWorker;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly timers: PostgresTimerStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly logger: JsonLogger,
  ) {
    this.worker = new TimerWorker(timers, clock, (error) =>
      this.logger.event('warn', 'ledger.log_checkpoint_claim_failed', { error }),
    ).register({
      name: QUEUE,
      pollMs: config.LOG_CHECKPOINT_POLL_MS,
      batchSize: 1,
      leaseMs: 5 * 60_000,
      handle: () => this.run(),
      onFailure: (_timer, error, retryInMs) =>
        this.logger.event('warn', 'ledger.log_checkpoint_failed', { retryInMs, error }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.timers
      .schedule([{ queue: QUEUE, key: KEY, kind: 'checkpoint', dueAt: this.clock.now() }], { mode: 'keep' })
      .catch((error: unknown) => this.logger.event('warn', 'ledger.log_checkpoint_schedule_failed', { error }));
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  /** Writes a checkpoint now if one is due (tests); returns how many timers ran. */
  runDue(): Promise<number> {
    return this.worker.runDue(QUEUE);
  }

  private async run(): Promise<TimerOutcome> {
    const checkpoint = await writeLogCheckpoint(this.pool);
    if (checkpoint) {
      this.logger.event('info', 'ledger.log_checkpoint_written', {
        checkpoint: checkpoint.checkpointNumber,
        lastGlobalPosition: checkpoint.lastGlobalPosition,
        events: checkpoint.eventCount,
      });
    }
    return { rescheduleAt: new Date(this.clock.now().getTime() + this.config.LOG_CHECKPOINT_INTERVAL_MS) };
  }
}
