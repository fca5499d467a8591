import { type DynamicModule, Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, type Repository } from 'typeorm';
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
import { HousekeepingModule, PostgresTimerStore, TIMER_ENTITIES, TimerEntity } from '@payment-ledger/timers';
import { ChargebacksHandler } from './application/chargebacks.handler';
import { GetRefundQuery } from './application/get-refund.query';
import { ListRefundsQuery } from './application/list-refunds.query';
import { RefundProviderCalls } from './application/refund-provider-calls';
import { RefundTimerFeed } from './application/refund-timer.feed';
import { RefundRepository } from './application/refund-repository';
import { RefundableChargeReader } from './application/refundable-charge.reader';
import { RequestRefundHandler } from './application/request-refund.handler';
import { RunRefundTimerHandler } from './application/run-refund-timer.handler';
import { RefundListProjection } from './infrastructure/refund-list.projection';
import { RefundListViewEntity } from './infrastructure/refund-list-view.entity';
import { RefundTimerWorker } from './infrastructure/refund-timer.worker';
import { RefundsController } from './infrastructure/refunds.controller';
import { REFUNDS_CONFIG, type RefundsConfig } from './refunds.config';

/**
 * The refunds service: owns `refund` streams (one per charge: its refunds and chargebacks), publishes them to Kafka,
 * keeps the refund list read model and the refund timers, and calls the provider through the kit's provider step.
 */
@Module({})
export class RefundsModule {
  static forRoot(config: RefundsConfig, options: ServiceModuleOptions = {}): DynamicModule {
    return {
      module: RefundsModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'refunds', config, ...options }),
        HousekeepingModule.forService('refunds', config),
        TypeOrmModule.forFeature([...TIMER_ENTITIES, ...SANDBOX_RECORD_ENTITIES, RefundListViewEntity]),
        MessagingModule.forRoot({
          relay: { name: 'refunds', streamTypes: ['refund'] },
          projections: [RefundListProjection],
        }),
      ],
      controllers: [RefundsController],
      providers: [
        { provide: REFUNDS_CONFIG, useValue: config },
        {
          // In-process, with its records in this service's database, as in the charges service.
          provide: PAYMENT_METHOD_PROVIDER,
          inject: [PG_POOL, DataSource, CLOCK, JsonLogger],
          useFactory: (pool: Pool, dataSource: DataSource, clock: Clock, logger: JsonLogger) => {
            // Delayed refunds announced by an IPN to the gateway when SANDBOX_NOTIFICATIONS_URL is set.
            const lost = (notice: object, error: unknown) =>
              logger.warn({ msg: 'sandbox notification not sent', notice, error: String(error) });
            return new AmazonPaySandboxProvider(
              {
                hostedPageBaseUrl: config.SANDBOX_PUBLIC_URL,
                signingSecret: config.SANDBOX_SIGNING_SECRET,
                linkTtlMs: config.SANDBOX_LINK_TTL_MS,
                // This service never authorizes; the agreements service passes the same fixed value.
                asyncAuthorizationDelayMs: 30_000,
                asyncRefundDelayMs: config.SANDBOX_ASYNC_REFUND_DELAY_MS,
                refundAnswerDelayMs: config.SANDBOX_REFUND_ANSWER_DELAY_MS,
                clock,
                notifier: sandboxNotifierOf(config, lost),
                onNotificationFailure: lost,
              },
              new PostgresSandboxProviderRecords(pool, dataSource),
            );
          },
        },
        {
          provide: PostgresTimerStore,
          inject: [PG_POOL, getRepositoryToken(TimerEntity)],
          useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
        },
        RefundProviderCalls,
        RefundRepository,
        RefundableChargeReader,
        RequestRefundHandler,
        GetRefundQuery,
        ListRefundsQuery,
        ChargebacksHandler,
        RunRefundTimerHandler,
        RefundTimerFeed,
        RefundTimerWorker,
      ],
      exports: [RefundTimerWorker],
    };
  }
}
