import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, JsonLogger, withLogContext } from '@payment-ledger/platform';
import { newId } from '@payment-ledger/contracts';
import { PostgresTimerStore, type TimerCounts, TimerWorker } from '@payment-ledger/timers';
import { ChargeDeadlineFeed } from '../application/charge-deadline.feed';
import { CHARGE_DEADLINES } from '../application/charge-deadline.timers';
import { RunChargeDeadlineHandler } from '../application/run-charge-deadline.handler';
import type { ChargeDeadlineKind } from '../domain/charge-deadlines';
import { CHARGES_CONFIG, type ChargesConfig } from '../charges.config';

/**
 * Runs charge deadlines on the timer engine (libs/timers, queue 'charge-deadlines'): due by the service clock, after
 * writing the timers of the charges created since the last look (ChargeDeadlineFeed). Several replicas may run: a
 * claimed timer is leased to one of them; a run that fails is retried after a backoff.
 *
 * Between those polls the feed follows the log on a shorter interval of its own (CHARGE_TIMER_FEED_POLL_MS), so
 * that each read holds a tenth of a second's creations rather than a whole second's.
 */
@Injectable()
export class ChargeDeadlineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: TimerWorker;
  private feedTimer?: NodeJS.Timeout;
  private feeding?: Promise<unknown>;
  private draining = false;

  constructor(
    timers: PostgresTimerStore,
    private readonly feed: ChargeDeadlineFeed,
    private readonly handler: RunChargeDeadlineHandler,
    @Inject(CLOCK) clock: Clock,
    @Inject(CHARGES_CONFIG) private readonly config: ChargesConfig,
    private readonly logger: JsonLogger,
  ) {
    this.worker = new TimerWorker(timers, clock, (error) =>
      this.logger.event('warn', 'charge_deadlines.claim_failed', { error }),
    ).register({
      name: CHARGE_DEADLINES,
      pollMs: config.CHARGE_DEADLINE_POLL_MS,
      batchSize: 50,
      leaseMs: 60_000,
      beforeClaim: async () => {
        await this.feeding;
        await this.readCreations();
      },
      handle: (timer) =>
        withLogContext({ correlationId: newId('event') }, async () => {
          const events = await this.handler.handle(timer.key, timer.kind as ChargeDeadlineKind);
          this.logger.event('info', 'charge_deadline.ran', { chargeId: timer.key, kind: timer.kind, events });
        }),
      onFailure: (timer, error, retryInMs) =>
        this.logger.event('error', 'charge_deadline.failed', {
          chargeId: timer.key,
          kind: timer.kind,
          attempts: timer.attempts,
          retryInMs,
          error,
        }),
    });
  }

  onApplicationBootstrap(): void {
    this.worker.start();
    if (this.config.CHARGE_TIMER_FEED_POLL_MS > 0) {
      this.feedTimer = setInterval(() => {
        if (!this.feeding && !this.draining)
          this.feeding = this.readCreations().finally(() => (this.feeding = undefined));
      }, this.config.CHARGE_TIMER_FEED_POLL_MS);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.feedTimer);
    await Promise.all([this.worker.stop(), this.feeding]);
  }

  /** Runs every deadline due now (creation timers read from the log first); returns how many were handled. */
  async runDue(): Promise<number> {
    this.draining = true;
    try {
      return await this.worker.runDue(CHARGE_DEADLINES);
    } finally {
      this.draining = false;
    }
  }

  /** Deadlines due now, and those due for more than `lateAfterMs`. */
  async counts(lateAfterMs?: number): Promise<TimerCounts> {
    return (await this.worker.counts(lateAfterMs))[CHARGE_DEADLINES];
  }

  /** Writes the timers of the charges created since the last read of the log; a failure is retried next time. */
  private readCreations(): Promise<unknown> {
    return this.feed.catchUp().catch((error: unknown) => {
      this.logger.event('warn', 'charge_deadlines.feed_failed', { error });
    });
  }
}
