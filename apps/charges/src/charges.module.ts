import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@payment-ledger/messaging';
import {
  AmazonPaySandboxProvider,
  PAYMENT_METHOD_PROVIDER,
  PostgresSandboxProviderRecords,
  SANDBOX_RECORD_ENTITIES,
  sandboxNotifierOf,
} from '@payment-ledger/payment-methods';
import {
  CLOCK,
  type Clock,
  InfrastructureModule,
  JsonLogger,
  PG_POOL,
  type ServiceModuleOptions,
} from '@payment-ledger/platform';
import { PostgresTimerStore, TIMER_ENTITIES, TimerEntity, HousekeepingModule } from '@payment-ledger/timers';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import type { Pool } from 'pg';
import { CaptureChargeHandler } from './application/capture-charge.handler';
import { ChargeDeadlineFeed } from './application/charge-deadline.feed';
import { ChargeProviderCalls } from './application/charge-provider-calls';
import { ChargeRepository } from './application/charge-repository';
import { CompleteCheckoutHandler } from './application/complete-checkout.handler';
import { CreateChargeHandler } from './application/create-charge.handler';
import { CreateMerchantInitiatedChargeHandler } from './application/create-merchant-initiated-charge.handler';
import { GetChargeQuery } from './application/get-charge.query';
import { ListChargesQuery } from './application/list-charges.query';
import { RunChargeDeadlineHandler } from './application/run-charge-deadline.handler';
import { VoidChargeHandler } from './application/void-charge.handler';
import { CHARGES_CONFIG, type ChargesConfig } from './charges.config';
import { ChargeDeadlineWorker } from './infrastructure/charge-deadline.worker';
import { ChargeRefundProgressConsumer } from './infrastructure/charge-refund-progress.consumer';
import { ChargeListProjection } from './infrastructure/charge-list.projection';
import { ChargeListViewEntity } from './infrastructure/charge-list-view.entity';
import { ChargesController } from './infrastructure/charges.controller';

/**
 * The charges on the command loop (their repository, provider and timers): shared by the service's own providers and
 * its Kafka consumer's handler (which lives in MessagingModule).
 */
@Module({})
class ChargesCoreModule {
  static forRoot(config: ChargesConfig): DynamicModule {
    const providers = [
      { provide: CHARGES_CONFIG, useValue: config },
      {
        // In-process, with its records in this service's database: see AmazonPaySandboxProvider for why.
        provide: PAYMENT_METHOD_PROVIDER,
        inject: [PG_POOL, DataSource, CLOCK, JsonLogger],
        useFactory: (pool: Pool, dataSource: DataSource, clock: Clock, logger: JsonLogger) => {
          // Pending authorizations announced by an IPN to the gateway when SANDBOX_NOTIFICATIONS_URL is set.
          const lost = (notice: object, error: unknown) =>
            logger.warn({ msg: 'sandbox notification not sent', notice, error: String(error) });
          return new AmazonPaySandboxProvider(
            {
              hostedPageBaseUrl: config.SANDBOX_PUBLIC_URL,
              signingSecret: config.SANDBOX_SIGNING_SECRET,
              linkTtlMs: config.SANDBOX_LINK_TTL_MS,
              asyncAuthorizationDelayMs: config.SANDBOX_ASYNC_AUTHORIZATION_DELAY_MS,
              clock,
              notifier: sandboxNotifierOf(config, lost),
              onNotificationFailure: lost,
            },
            new PostgresSandboxProviderRecords(pool, dataSource),
          );
        },
      },
      ChargeRepository,
      ChargeProviderCalls,
      {
        provide: PostgresTimerStore,
        inject: [PG_POOL, getRepositoryToken(TimerEntity)],
        useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
      },
    ];
    return {
      module: ChargesCoreModule,
      imports: [MessagingModule.forRoot(), TypeOrmModule.forFeature([...TIMER_ENTITIES, ...SANDBOX_RECORD_ENTITIES])],
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}

/**
 * The charges service: owns `charge` streams, publishes them to Kafka, keeps the list read model and the timers, and
 * records on each charge the progress of its refunds and chargebacks (the refunds service's `refund` events).
 */
@Module({})
export class ChargesModule {
  static forRoot(config: ChargesConfig, options: ServiceModuleOptions = {}): DynamicModule {
    const core = ChargesCoreModule.forRoot(config);
    return {
      module: ChargesModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'charges', config, ...options }),
        HousekeepingModule.forService('charges', config),
        TypeOrmModule.forFeature([ChargeListViewEntity]),
        core,
        MessagingModule.forRoot(
          {
            relay: { name: 'charges', streamTypes: ['charge'] },
            projections: [ChargeListProjection],
            imports: [core],
          },
          [{ name: 'charges-refund-progress', streamTypes: ['refund'], handler: ChargeRefundProgressConsumer }],
        ),
      ],
      controllers: [ChargesController],
      providers: [
        ChargeDeadlineFeed,
        CreateChargeHandler,
        CreateMerchantInitiatedChargeHandler,
        CompleteCheckoutHandler,
        CaptureChargeHandler,
        VoidChargeHandler,
        RunChargeDeadlineHandler,
        GetChargeQuery,
        ListChargesQuery,
        ChargeDeadlineWorker,
      ],
      exports: [ChargeDeadlineWorker, RunChargeDeadlineHandler],
    };
  }
}
