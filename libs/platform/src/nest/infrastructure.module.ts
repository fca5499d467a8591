import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { CLOCK, type Clock, systemClock } from '../clock/clock';
import type { ConfigOf, infrastructureConfigSchema } from '../config/config';
import { JsonLogger } from '../logging/json-logger';

export type InfrastructureConfig = ConfigOf<typeof infrastructureConfigSchema>;

export const INFRASTRUCTURE_CONFIG = Symbol('InfrastructureConfig');
export const PG_POOL = Symbol('PgPool');

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The PostgreSQL pool, the logger, the clock and the validated infrastructure config, for every module. */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(options: { service: string; config: InfrastructureConfig; clock?: Clock }): DynamicModule {
    const logger = new JsonLogger(options.service, options.config.LOG_LEVEL);
    return {
      module: InfrastructureModule,
      providers: [
        { provide: INFRASTRUCTURE_CONFIG, useValue: options.config },
        { provide: JsonLogger, useValue: logger },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        {
          provide: PG_POOL,
          useFactory: () => {
            const pool = new Pool({
              connectionString: options.config.DATABASE_URL,
              max: options.config.DATABASE_POOL_SIZE,
              application_name: options.service,
            });
            pool.on('error', (error) => logger.event('warn', 'database.idle_client_error', { error }));
            return pool;
          },
        },
        PoolCloser,
      ],
      exports: [INFRASTRUCTURE_CONFIG, JsonLogger, CLOCK, PG_POOL],
    };
  }
}
