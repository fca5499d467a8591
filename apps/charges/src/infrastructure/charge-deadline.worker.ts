import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, JsonLogger, withLogContext } from '@payment-ledger/platform';
import { newId } from '@payment-ledger/contracts';
import { ChargeDeadlineFeed } from '../application/charge-deadline.feed';
import { ChargeDeadlineRepository } from '../application/charge-deadline.repository';
import { RunChargeDeadlineHandler } from '../application/run-charge-deadline.handler';
import { CHARGES_CONFIG, type ChargesConfig } from '../charges.config';

const BATCH = 50;
const LEASE_MS = 60_000;

/**
 * Polls `charge_deadlines` for timers due by the service clock and runs them, after writing the timers of the
 * charges created since the last poll (ChargeDeadlineFeed). Several replicas may poll: a claimed timer is leased to
 * one of them. A timer whose command fails stays and is retried after its lease.
 *
 * Between those polls the feed follows the log on a shorter interval of its own (CHARGE_TIMER_FEED_POLL_MS), so
 * that each read holds a tenth of a second's creations rather than a whole second's.
 */
@Injectable()
export class ChargeDeadlineWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private feedTimer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private feeding?: Promise<unknown>;

  constructor(
    private readonly deadlines: ChargeDeadlineRepository,
    private readonly feed: ChargeDeadlineFeed,
    private readonly handler: RunChargeDeadlineHandler,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(CHARGES_CONFIG) private readonly config: ChargesConfig,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.runDue().finally(() => (this.running = undefined));
    }, this.config.CHARGE_DEADLINE_POLL_MS);
    if (this.config.CHARGE_TIMER_FEED_POLL_MS > 0) {
      this.feedTimer = setInterval(() => {
        if (!this.feeding && !this.running)
          this.feeding = this.readCreations().finally(() => (this.feeding = undefined));
      }, this.config.CHARGE_TIMER_FEED_POLL_MS);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.feedTimer);
    await Promise.all([this.running?.catch(() => undefined), this.feeding]);
  }

  /** Runs every deadline due now (creation timers read from the log first); returns how many were handled. */
  async runDue(): Promise<number> {
    await this.feeding;
    await this.readCreations();
    let handled = 0;
    for (;;) {
      const due = await this.deadlines.claimDue(this.clock.now(), BATCH, LEASE_MS).catch((error: unknown) => {
        this.logger.event('warn', 'charge_deadlines.claim_failed', { error });
        return [];
      });
      for (const deadline of due) {
        await withLogContext({ correlationId: newId('event') }, async () => {
          try {
            const events = await this.handler.handle(deadline.chargeId, deadline.kind);
            await this.deadlines.complete(deadline);
            handled++;
            this.logger.event('info', 'charge_deadline.ran', {
              chargeId: deadline.chargeId,
              kind: deadline.kind,
              events,
            });
          } catch (error) {
            this.logger.event('error', 'charge_deadline.failed', {
              chargeId: deadline.chargeId,
              kind: deadline.kind,
              error,
            });
          }
        });
      }
      if (due.length < BATCH) return handled;
    }
  }

  /** Writes the timers of the charges created since the last read of the log; a failure is retried next time. */
  private readCreations(): Promise<unknown> {
    return this.feed.catchUp().catch((error: unknown) => {
      this.logger.event('warn', 'charge_deadlines.feed_failed', { error });
    });
  }
}
