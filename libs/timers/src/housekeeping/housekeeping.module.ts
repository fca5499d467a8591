import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { Repository } from 'typeorm';
import { PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '../postgres/postgres-timer-store';
import { TimerEntity } from '../postgres/timer.entity';
import {
  HOUSEKEEPING_OPTIONS,
  HOUSEKEEPING_TIMER_STORE,
  type HousekeepingOptions,
  HousekeepingWorker,
} from './housekeeping.worker';

/**
 * A service's housekeeping: `HousekeepingModule.forService('gateway', config)` runs every purge task the service's
 * modules provide (see PURGE_TASK) every HOUSEKEEPING_INTERVAL_MS, on timer queue `housekeeping.<service>`.
 */
@Module({})
export class HousekeepingModule {
  static forService(service: string, config: { HOUSEKEEPING_INTERVAL_MS: number }, pollMs = 60_000): DynamicModule {
    const options: HousekeepingOptions = {
      queue: `housekeeping.${service}`,
      intervalMs: config.HOUSEKEEPING_INTERVAL_MS,
      pollMs,
    };
    return {
      module: HousekeepingModule,
      imports: [DiscoveryModule, TypeOrmModule.forFeature([TimerEntity])],
      providers: [
        { provide: HOUSEKEEPING_OPTIONS, useValue: options },
        {
          provide: HOUSEKEEPING_TIMER_STORE,
          inject: [PG_POOL, getRepositoryToken(TimerEntity)],
          useFactory: (pool: Pool, timers: Repository<TimerEntity>) => new PostgresTimerStore(pool, timers),
        },
        HousekeepingWorker,
      ],
      exports: [HousekeepingWorker],
    };
  }
}
