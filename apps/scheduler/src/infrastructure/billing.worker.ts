import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JsonLogger } from '@payment-ledger/platform';
import { RunBillingHandler } from '../application/run-billing.handler';
import { ScheduleStore } from '../application/schedule-store';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';

const LEASE_MS = 60_000;

/**
 * Polls for schedules due by their clocks and runs them, `SCHEDULER_CONCURRENCY` at a time. Replicas share the
 * work through leases; a schedule is worked on by one replica at a time, and its stream's expected version makes
 * even an overlap harmless.
 */
@Injectable()
export class BillingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(
    private readonly schedules: ScheduleStore,
    private readonly billing: RunBillingHandler,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly logger: JsonLogger,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.SCHEDULER_POLL_MS <= 0) return;
    this.timer = setInterval(() => void this.runDue().catch(() => undefined), this.config.SCHEDULER_POLL_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Runs every schedule due now; returns how many charges were asked for. Overlapping calls share one run. */
  runDue(): Promise<number> {
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<number> {
    let asked = 0;
    const batch = this.config.SCHEDULER_CONCURRENCY * 4;
    for (;;) {
      const due = await this.schedules.claimDue(batch, LEASE_MS);
      let next = 0;
      const lanes = Array.from({ length: Math.min(this.config.SCHEDULER_CONCURRENCY, due.length) }, async () => {
        while (next < due.length) {
          const agreementId = due[next++];
          try {
            asked += await this.billing.run(agreementId, this.config.SCHEDULER_RESEND_AFTER_MS);
          } catch (error) {
            this.logger.event('error', 'scheduler.run_failed', { agreementId, error });
          }
        }
      });
      await Promise.all(lanes);
      if (due.length < batch) return asked;
    }
  }
}
