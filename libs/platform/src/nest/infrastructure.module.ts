import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { CLOCK, type Clock, systemClock } from '../clock/clock';
import type { ConfigOf, infrastructureConfigSchema } from '../config/config';
import { guardPoolClients } from '../database/pool-client-errors';
import { JsonLogger, type LogSink } from '../logging/json-logger';

export type InfrastructureConfig = ConfigOf<typeof infrastructureConfigSchema>;

export const INFRASTRUCTURE_CONFIG = Symbol('InfrastructureConfig');
/**
 * The service's one PostgreSQL pool: the TypeORM DataSource's own pg Pool (its postgres driver's `master`), used
 * directly by the event store and the few hand-written statements. One pool of DATABASE_POOL_SIZE per service.
 */
export const PG_POOL = Symbol('PgPool');

/**
 * The data layer, the logger, the clock and the validated infrastructure config, for every module.
 *
 * The data layer is a TypeORM DataSource (through @nestjs/typeorm): a service registers its entities with
 * `TypeOrmModule.forFeature([...])` and injects their repositories (`@InjectRepository`). The schema is made by the
 * migrations only (`npm run migrate`, libs/platform/README.md), never by `synchronize`. The DataSource is destroyed,
 * and so the pool ended, after every other module's shutdown hook (global modules are shut down last).
 */
/**
 * What a service's root module takes besides its config (`XModule.forRoot(config, options)`): the clock, and where
 * its log lines go (stdout unless a test collects them).
 */
export interface ServiceModuleOptions {
  clock?: Clock;
  logSink?: LogSink;
}

@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(options: { service: string; config: InfrastructureConfig } & ServiceModuleOptions): DynamicModule {
    const logger = new JsonLogger(options.service, options.config.LOG_LEVEL, options.logSink);
    return {
      module: InfrastructureModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            type: 'postgres',
            url: options.config.DATABASE_URL,
            poolSize: options.config.DATABASE_POOL_SIZE,
            // pg-pool's bound on waiting for a connection (a new one, or a free one when all are in use).
            extra: { connectionTimeoutMillis: options.config.DATABASE_POOL_WAIT_MS },
            applicationName: options.service,
            // A pooled connection the server ends (a restart, a terminated backend) is discarded, and logged.
            poolErrorHandler: (error: unknown) => logger.event('warn', 'database.idle_client_error', { error }),
            autoLoadEntities: true,
            synchronize: false,
            migrationsRun: false,
            logging: false,
            // Start-up waits up to ~10 s for PostgreSQL, then fails (the orchestrator restarts the service).
            retryAttempts: 10,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [
        { provide: INFRASTRUCTURE_CONFIG, useValue: options.config },
        { provide: JsonLogger, useValue: logger },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: PG_POOL,
          inject: [DataSource],
          // A connection the server ends while checked out (PostgreSQL restarting) must not end the service.
          useFactory: (dataSource: DataSource): Pool =>
            guardPoolClients((dataSource.driver as PostgresDriver).master as Pool, (error) =>
              logger.event('warn', 'database.client_error', { error }),
            ),
        },
      ],
      exports: [INFRASTRUCTURE_CONFIG, JsonLogger, CLOCK, PG_POOL, TypeOrmModule],
    };
  }
}
