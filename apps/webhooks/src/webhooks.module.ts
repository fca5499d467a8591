import { type DynamicModule, Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { Repository } from 'typeorm';
import { MessagingModule } from '@payment-ledger/messaging';
import { InfrastructureModule, PG_POOL, type ServiceModuleOptions } from '@payment-ledger/platform';
import { HousekeepingModule, PostgresTimerStore, TIMER_ENTITIES, TimerEntity } from '@payment-ledger/timers';
import { DeliveryLanes } from './application/delivery-lanes';
import { MERCHANT_EVENT_STREAM_TYPES, MerchantEventConsumer } from './application/merchant-event.consumer';
import { WebhookEndpoints } from './application/webhook-endpoints';
import { DeliveryLaneWorker } from './infrastructure/delivery-lane.worker';
import { SecretBox } from './infrastructure/secret-box';
import { WebhookDeliveryStore } from './infrastructure/webhook-delivery.store';
import { WEBHOOK_ENTITIES } from './infrastructure/webhook.entities';
import { WebhooksController } from './infrastructure/webhooks.controller';
import { WEBHOOKS_CONFIG, type WebhooksConfig } from './webhooks.config';

/**
 * The webhooks service: merchants' endpoints (TCP, for the gateway), deliveries made from the charges', agreements'
 * and refunds' events on Kafka, and the delivery lanes that send them, signed, in order, retried on durable timers.
 */
@Module({})
export class WebhooksModule {
  static forRoot(config: WebhooksConfig, options: ServiceModuleOptions = {}): DynamicModule {
    const core: DynamicModule = {
      module: WebhooksCoreModule,
      imports: [TypeOrmModule.forFeature([...TIMER_ENTITIES, ...WEBHOOK_ENTITIES])],
      providers: [
        { provide: WEBHOOKS_CONFIG, useValue: config },
        { provide: SecretBox, useValue: new SecretBox(config.WEBHOOK_SECRETS_KEY) },
        {
          provide: WebhookDeliveryStore,
          inject: [PG_POOL],
          useFactory: (pool: Pool) => new WebhookDeliveryStore(pool),
        },
        {
          provide: PostgresTimerStore,
          inject: [PG_POOL, getRepositoryToken(TimerEntity)],
          useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
        },
        DeliveryLanes,
      ],
      exports: [WEBHOOKS_CONFIG, SecretBox, WebhookDeliveryStore, PostgresTimerStore, DeliveryLanes, TypeOrmModule],
    };
    return {
      module: WebhooksModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'webhooks', config, ...options }),
        HousekeepingModule.forService('webhooks', config),
        core,
        MessagingModule.forRoot({ imports: [core] }, [
          {
            name: 'webhooks-merchant-events',
            streamTypes: MERCHANT_EVENT_STREAM_TYPES,
            handler: MerchantEventConsumer,
          },
        ]),
      ],
      controllers: [WebhooksController],
      providers: [WebhookEndpoints, DeliveryLaneWorker],
      exports: [DeliveryLaneWorker],
    };
  }
}

/** What the consumer (in MessagingModule) and the service's own providers share. */
@Module({})
class WebhooksCoreModule {}
