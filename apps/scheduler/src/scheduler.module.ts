import { CHARGE_SETTLEMENT_EVENT_TYPES } from '@payment-ledger/contracts';
import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@payment-ledger/messaging';
import { InfrastructureModule, PG_POOL, type ServiceModuleOptions } from '@payment-ledger/platform';
import { PostgresTimerStore, TIMER_ENTITIES, TimerEntity, HousekeepingModule } from '@payment-ledger/timers';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Pool } from 'pg';
import { rpcClientProviders } from '@payment-ledger/rpc';
import { AgreementsGateway } from './application/agreements.gateway';
import { RunBillingHandler } from './application/run-billing.handler';
import { ScheduleStore } from './application/schedule-store';
import { SCHEDULER_ENTITIES } from './application/scheduler.entities';
import { StartScheduleHandler } from './application/start-schedule.handler';
import { AgreementEventsConsumer } from './infrastructure/agreement-events.consumer';
import { BillingWorker } from './infrastructure/billing.worker';
import { ChargeOutcomesConsumer } from './infrastructure/charge-outcomes.consumer';
import { SchedulerController } from './infrastructure/scheduler.controller';
import { SCHEDULER_CONFIG, type SchedulerConfig } from './scheduler.config';

@Module({})
class SchedulerCoreModule {
  static forRoot(config: SchedulerConfig): DynamicModule {
    const providers = [
      { provide: SCHEDULER_CONFIG, useValue: config },
      ...rpcClientProviders('scheduler', config),
      AgreementsGateway,
      {
        provide: PostgresTimerStore,
        inject: [PG_POOL, getRepositoryToken(TimerEntity)],
        useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
      },
      ScheduleStore,
      RunBillingHandler,
      StartScheduleHandler,
    ];
    return {
      module: SchedulerCoreModule,
      imports: [MessagingModule.forRoot(), TypeOrmModule.forFeature([...TIMER_ENTITIES, ...SCHEDULER_ENTITIES])],
      providers,
      exports: providers.map((p) => ('provide' in p ? p.provide : p)),
    };
  }
}

/** The scheduler: owns `billing-schedule` streams; charges each due period exactly once through the agreements service. */
@Module({})
export class SchedulerModule {
  static forRoot(config: SchedulerConfig, options: ServiceModuleOptions = {}): DynamicModule {
    const core = SchedulerCoreModule.forRoot(config);
    return {
      module: SchedulerModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'scheduler', config, ...options }),
        HousekeepingModule.forService('scheduler', config),
        core,
        MessagingModule.forRoot({ relay: { name: 'scheduler', streamTypes: ['billing-schedule'] }, imports: [core] }, [
          {
            name: 'scheduler-agreements',
            streamTypes: ['agreement'],
            eventTypes: ['AgreementActivated', 'AgreementRevoked'],
            handler: AgreementEventsConsumer,
          },
          {
            name: 'scheduler-charge-outcomes',
            streamTypes: ['charge'],
            eventTypes: CHARGE_SETTLEMENT_EVENT_TYPES,
            handler: ChargeOutcomesConsumer,
          },
        ]),
      ],
      controllers: [SchedulerController],
      providers: [BillingWorker],
      exports: [BillingWorker],
    };
  }
}
