import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { newId } from '@payment-ledger/contracts';
import { CLOCK, type Clock, JsonLogger, withLogContext } from '@payment-ledger/platform';
import { PostgresTimerStore, TimerWorker } from '@payment-ledger/timers';
import { DeliveryLanes, WEBHOOK_DELIVERY_QUEUE } from '../application/delivery-lanes';
import { WEBHOOKS_CONFIG, type WebhooksConfig } from '../webhooks.config';

/**
 * Runs the delivery lanes' timers (queue `webhooks`) on the kit's timer engine, in continuous mode: WEBHOOK_CONCURRENCY
 * lanes at once, each freed lane taking the next due one at once, so a receiver that hangs holds its own lanes (at
 * most WEBHOOK_ENDPOINT_CONCURRENCY of them, DeliveryLanes) and nobody else's. Any number of replicas may run it: a
 * claimed lane is leased to one of them for longer than an attempt can take.
 */
@Injectable()
export class DeliveryLaneWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly worker: TimerWorker;

  constructor(
    timers: PostgresTimerStore,
    private readonly lanes: DeliveryLanes,
    @Inject(CLOCK) clock: Clock,
    @Inject(WEBHOOKS_CONFIG) config: WebhooksConfig,
    private readonly logger: JsonLogger,
  ) {
    this.worker = new TimerWorker(timers, clock, (error) =>
      this.logger.event('warn', 'webhook_lanes.claim_failed', { error }),
    ).register({
      name: WEBHOOK_DELIVERY_QUEUE,
      pollMs: config.WEBHOOK_POLL_MS,
      batchSize: config.WEBHOOK_CONCURRENCY,
      concurrency: config.WEBHOOK_CONCURRENCY,
      continuous: true,
      // Longer than an attempt can take (its timeout, and the few writes around it); what a crashed replica's lanes wait.
      leaseMs: config.WEBHOOK_TIMEOUT_MS + 10_000,
      // The claimed lanes' heads in one read, before their runs (each run would read its own otherwise).
      afterClaim: (claimed) => this.lanes.prefetch(claimed.map((timer) => timer.key)),
      handle: (timer) => withLogContext({ correlationId: newId('event') }, () => this.lanes.run(timer.key)),
      onFailure: (timer, error, retryInMs) =>
        this.logger.event('error', 'webhook_lane.failed', {
          lane: timer.key,
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
}
