import { Test } from '@nestjs/testing';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { TestDatabase } from '../../../../test/support/test-database';
import { infrastructureConfigSchema, loadConfig } from '../config/config';
import { InfrastructureModule, PG_POOL } from './infrastructure.module';

/** One connection pool per service: the TypeORM DataSource's pg Pool is the PG_POOL the event store uses. */
describe('InfrastructureModule data layer', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create({ poolSize: 2 });
  });
  afterAll(() => db.drop());

  async function start(service: string, poolSize: number) {
    const config = loadConfig(infrastructureConfigSchema, {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: String(poolSize),
      KAFKA_BROKERS: '127.0.0.1:9092',
      LOG_LEVEL: 'error',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [InfrastructureModule.forRoot({ service, config })],
    }).compile();
    return moduleRef.init();
  }

  async function connectionsOf(service: string): Promise<number> {
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [service],
    );
    return rows[0].n;
  }

  it('hands out the DataSource own pool as PG_POOL, sized DATABASE_POOL_SIZE', async () => {
    const app = await start('pool-test', 3);
    try {
      const dataSource = app.get(DataSource);
      const pool = app.get<Pool>(PG_POOL);
      expect(dataSource.isInitialized).toBe(true);
      expect(pool).toBe((dataSource.driver as PostgresDriver).master);
      expect(pool.options.max).toBe(3);
      expect(dataSource.options.synchronize).toBe(false);

      // SQL on the pool and ORM queries together never open more than the one pool's connections.
      await Promise.all([
        ...Array.from({ length: 10 }, () => pool.query('SELECT pg_sleep(0.05)')),
        ...Array.from({ length: 10 }, () => dataSource.query('SELECT pg_sleep(0.05)')),
        ...Array.from({ length: 5 }, () => dataSource.transaction((manager) => manager.query('SELECT pg_sleep(0.05)'))),
      ]);
      expect(pool.totalCount).toBeLessThanOrEqual(3);
      expect(await connectionsOf('pool-test')).toBeLessThanOrEqual(3);
    } finally {
      await app.close();
    }
  });

  it('ends the pool once when the application closes', async () => {
    const app = await start('pool-close-test', 2);
    const pool = app.get<Pool>(PG_POOL);
    await pool.query('SELECT 1');
    await app.close();
    expect(pool.ended).toBe(true);
    expect(app.get(DataSource).isInitialized).toBe(false);
    for (let i = 0; i < 50 && (await connectionsOf('pool-close-test')) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await connectionsOf('pool-close-test')).toBe(0);
  });
});
