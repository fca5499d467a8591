import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import { PostgresTimerStore, type TimerCounts, TimerWorker } from '@payment-ledger/timers';
import { RunBillingHandler } from '../application/run-billing.handler';
import { BILLING_SCHEDULES, ScheduleStore } from '../application/schedule-store';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';

/**
 * Runs schedules whose wake-ups are due on the timer engine (libs/timers, queue 'billing-schedules'),
 * `SCHEDULER_CONCURRENCY` at a time, claimed in batches of four times that. Replicas share the work through leases;
 * a schedule is worked on by one replica at a time, and its stream's expected version makes even an overlap
 * harmless. Each run's next wake-up replaces the claimed one, in bulk with the runs finishing together.
 */
@Injectable()
export class BillingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: TimerWorker;

  constructor(
    timers: PostgresTimerStore,
    private readonly billing: RunBillingHandler,
    private readonly schedules: ScheduleStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly logger: JsonLogger,
  ) {
    this.worker = new TimerWorker(timers, clock, (error) =>
      this.logger.event('warn', 'scheduler.claim_failed', { error }),
    ).register({
      name: BILLING_SCHEDULES,
      pollMs: config.SCHEDULER_POLL_MS,
      batchSize: config.SCHEDULER_CONCURRENCY * 4,
      concurrency: config.SCHEDULER_CONCURRENCY,
      leaseMs: 60_000,
      // A wake-up a test-clock advance brought forward commits with that clock's row, so a look after the claim sees
      // the clock: no run computes a just-advanced schedule without its offset (one statement per claimed batch, and
      // none once a test clock has been seen).
      afterClaim: () => this.schedules.refreshTestClocks(),
      handle: async (timer) => {
        const { nextWakeUp } = await this.billing.run(timer.key, this.config.SCHEDULER_RESEND_AFTER_MS);
        return { rescheduleAt: nextWakeUp };
      },
      onFailure: (timer, error, retryInMs) =>
        this.logger.event('error', 'scheduler.run_failed', { agreementId: timer.key, retryInMs, error }),
    });
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  /** Runs every schedule due now; returns how many ran. Overlapping calls share one run. */
  runDue(): Promise<number> {
    return this.worker.runDue(BILLING_SCHEDULES);
  }

  /**
   * Starts a run now without waiting for it (a test-clock advance made a schedule due), when the worker polls on its
   * own; with polling off (tests), runs happen only through runDue.
   */
  poke(): void {
    if (this.config.SCHEDULER_POLL_MS > 0) void this.runDue().catch(() => undefined);
  }

  /** Wake-ups due now, and those due for more than `lateAfterMs`. */
  async counts(lateAfterMs?: number): Promise<TimerCounts> {
    return (await this.worker.counts(lateAfterMs))[BILLING_SCHEDULES];
  }
}
