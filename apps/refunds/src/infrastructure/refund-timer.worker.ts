import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CLOCK, type Clock, JsonLogger, withLogContext } from '@payment-ledger/platform';
import { newId } from '@payment-ledger/contracts';
import { PostgresTimerStore, type TimerCounts, TimerWorker } from '@payment-ledger/timers';
import { RefundTimerFeed } from '../application/refund-timer.feed';
import { REFUND_TIMERS } from '../application/refund-timers';
import { RunRefundTimerHandler } from '../application/run-refund-timer.handler';
import type { RefundTimerKind } from '../domain/refund-timers';
import { REFUNDS_CONFIG, type RefundsConfig } from '../refunds.config';

/**
 * Runs refund timers on the timer engine (libs/timers, queue 'refund-timers'), due by the service clock: provider
 * retries (read from the log by RefundTimerFeed first) and checks of refunds the provider settles later. Several
 * replicas may run: a claimed timer is leased to one of them; a run that fails is retried after a backoff.
 */
@Injectable()
export class RefundTimerWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: TimerWorker;

  constructor(
    timers: PostgresTimerStore,
    private readonly feed: RefundTimerFeed,
    private readonly handler: RunRefundTimerHandler,
    @Inject(CLOCK) clock: Clock,
    @Inject(REFUNDS_CONFIG) config: RefundsConfig,
    private readonly logger: JsonLogger,
  ) {
    this.worker = new TimerWorker(timers, clock, (error) =>
      this.logger.event('warn', 'refund_timers.claim_failed', { error }),
    ).register({
      name: REFUND_TIMERS,
      pollMs: config.REFUND_TIMER_POLL_MS,
      batchSize: 50,
      leaseMs: 60_000,
      beforeClaim: () =>
        this.feed.catchUp().then(
          () => undefined,
          (error: unknown) => this.logger.event('warn', 'refund_timers.feed_failed', { error }),
        ),
      handle: (timer) =>
        withLogContext({ correlationId: newId('event') }, async () => {
          const { events, rescheduleAt } = await this.handler.handle(timer.key, timer.kind as RefundTimerKind);
          this.logger.event('info', 'refund_timer.ran', { chargeId: timer.key, kind: timer.kind, events });
          return rescheduleAt ? { rescheduleAt } : undefined;
        }),
      onFailure: (timer, error, retryInMs) =>
        this.logger.event('error', 'refund_timer.failed', {
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
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  /** Runs every refund timer due now; returns how many were handled. */
  runDue(): Promise<number> {
    return this.worker.runDue(REFUND_TIMERS);
  }

  async counts(lateAfterMs?: number): Promise<TimerCounts> {
    return (await this.worker.counts(lateAfterMs))[REFUND_TIMERS];
  }
}
