import { type DynamicModule, Module } from '@nestjs/common';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { Repository } from 'typeorm';
import { MessagingModule } from '@payment-ledger/messaging';
import { InfrastructureModule, PG_POOL, type ServiceModuleOptions } from '@payment-ledger/platform';
import { PostgresTimerStore, TIMER_ENTITIES, TimerEntity } from '@payment-ledger/timers';
import { LedgerQueries } from './application/ledger-queries';
import { LedgerController } from './infrastructure/ledger.controller';
import { LEDGER_ENTITIES } from './infrastructure/ledger.entities';
import { LedgerProjection } from './infrastructure/ledger.projection';
import { LogCheckpointWorker } from './infrastructure/log-checkpoint.worker';
import { LEDGER_CONFIG, type LedgerConfig } from './ledger.config';

/**
 * The ledger service: keeps the double-entry ledger from the event log (every service's money-moving events, read
 * from the store by the projection runner, not from Kafka) and answers the merchant's balances and entries. It owns
 * no stream and writes no event. It also writes the event log's checkpoints (LogCheckpointWorker).
 */
@Module({})
export class LedgerModule {
  static forRoot(config: LedgerConfig, options: ServiceModuleOptions = {}): DynamicModule {
    return {
      module: LedgerModule,
      imports: [
        InfrastructureModule.forRoot({ service: 'ledger', config, ...options }),
        TypeOrmModule.forFeature([...LEDGER_ENTITIES, ...TIMER_ENTITIES]),
        MessagingModule.forRoot({ projections: [LedgerProjection] }),
      ],
      controllers: [LedgerController],
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        {
          provide: PostgresTimerStore,
          inject: [PG_POOL, getRepositoryToken(TimerEntity)],
          useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
        },
        LedgerQueries,
        LogCheckpointWorker,
      ],
      exports: [LogCheckpointWorker],
    };
  }
}
