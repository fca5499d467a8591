import { type DynamicModule, Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import type { Repository } from 'typeorm';
import type { EventStore } from '@payment-ledger/event-store';
import { EVENT_STORE, MessagingModule } from '@payment-ledger/messaging';
import { rpcClientProviders } from '@payment-ledger/rpc';
import { CLOCK, type Clock, InfrastructureModule, PG_POOL, type ServiceModuleOptions } from '@payment-ledger/platform';
import { HousekeepingModule, PostgresTimerStore, TIMER_ENTITIES, TimerEntity } from '@payment-ledger/timers';
import { DeliveryLanes } from './application/delivery-lanes';
import { MerchantSigningSecrets } from './application/merchant-signing-secrets';
import { MERCHANT_EVENT_STREAM_TYPES, MerchantEventConsumer } from './application/merchant-event.consumer';
import { WebhookEndpoints } from './application/webhook-endpoints';
import { DeliveryLaneWorker } from './infrastructure/delivery-lane.worker';
import { SecretBox } from './infrastructure/secret-box';
import { WebhookDeliveryStore } from './infrastructure/webhook-delivery.store';
import {
  WEBHOOK_ENTITIES,
  WebhookAttemptEntity,
  WebhookDeliveryEntity,
  WebhookMerchantSecretEntity,
} from './infrastructure/webhook.entities';
import { WebhooksController } from './infrastructure/webhooks.controller';
import { EventDeliveryLogStore } from './infrastructure/event-delivery-log.store';
import { MerchantEventLogProjection } from './infrastructure/merchant-event-log.projection';
import { MerchantEventEntity } from './infrastructure/merchant-event.entity';
import { MerchantEventLog } from './application/merchant-event-log';
import { Redeliveries } from './application/redeliveries';
import { ProviderNotifications } from './application/provider-notifications';
import { ProviderNotificationEntity } from './infrastructure/provider-notification.entity';
import { ProviderNotificationStore } from './infrastructure/provider-notification.store';
import { ProviderNotificationsController } from './infrastructure/provider-notifications.controller';
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
      imports: [
        MessagingModule.forRoot(),
        TypeOrmModule.forFeature([...TIMER_ENTITIES, ...WEBHOOK_ENTITIES, MerchantEventEntity]),
      ],
      providers: [
        { provide: WEBHOOKS_CONFIG, useValue: config },
        { provide: SecretBox, useValue: new SecretBox(config.WEBHOOK_SECRETS_KEY) },
        {
          provide: WebhookDeliveryStore,
          inject: [PG_POOL, EVENT_STORE],
          useFactory: (pool: Pool, events: EventStore<PoolClient>) => new WebhookDeliveryStore(pool, events),
        },
        {
          provide: PostgresTimerStore,
          inject: [PG_POOL, getRepositoryToken(TimerEntity)],
          useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
        },
        {
          provide: MerchantSigningSecrets,
          inject: [getRepositoryToken(WebhookMerchantSecretEntity), SecretBox, CLOCK],
          useFactory: (secrets: Repository<WebhookMerchantSecretEntity>, box: SecretBox, clock: Clock) =>
            new MerchantSigningSecrets(secrets, box, clock, config.WEBHOOK_ROTATION_OVERLAP_MS),
        },
        DeliveryLanes,
      ],
      exports: [
        WEBHOOKS_CONFIG,
        SecretBox,
        WebhookDeliveryStore,
        PostgresTimerStore,
        MerchantSigningSecrets,
        DeliveryLanes,
        TypeOrmModule,
      ],
    };
    return {
      module: WebhooksModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'webhooks', config, ...options }),
        HousekeepingModule.forService('webhooks', config),
        TypeOrmModule.forFeature([ProviderNotificationEntity]),
        core,
        MessagingModule.forRoot(
          {
            // Its own stream type: what happens to endpoints (WebhookEndpointDisabled), for its consumer and analysts.
            relay: { name: 'webhooks', streamTypes: ['webhook-endpoint'] },
            imports: [core],
            projections: [MerchantEventLogProjection],
          },
          [
            {
              name: 'webhooks-merchant-events',
              streamTypes: MERCHANT_EVENT_STREAM_TYPES,
              handler: MerchantEventConsumer,
            },
          ],
        ),
      ],
      controllers: [WebhooksController, ProviderNotificationsController],
      providers: [
        // The provider's notifications (IPNs): deduplicated here, reconciled by the owning service (RPC).
        ...rpcClientProviders('webhooks', config),
        ProviderNotificationStore,
        ProviderNotifications,
        WebhookEndpoints,
        DeliveryLaneWorker,
        MerchantEventLog,
        Redeliveries,
        {
          provide: EventDeliveryLogStore,
          inject: [PG_POOL, getRepositoryToken(WebhookDeliveryEntity), getRepositoryToken(WebhookAttemptEntity)],
          useFactory: (
            pool: Pool,
            deliveries: Repository<WebhookDeliveryEntity>,
            attempts: Repository<WebhookAttemptEntity>,
          ) => new EventDeliveryLogStore(pool, deliveries, attempts),
        },
      ],
      exports: [DeliveryLaneWorker],
    };
  }
}

/** What the consumer (in MessagingModule) and the service's own providers share. */
@Module({})
class WebhooksCoreModule {}
