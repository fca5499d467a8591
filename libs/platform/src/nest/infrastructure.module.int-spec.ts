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

  async function start(service: string, poolSize: number, env: Record<string, string> = {}) {
    const config = loadConfig(infrastructureConfigSchema, {
      ...env,
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

  // Found by the fault suite (issue 19): consumers' batch transactions, each waiting for a second connection of a
  // used-up pool, waited for ever with their transactions open, and every relay and projection of every service
  // stopped at the oldest open transaction.
  it('a statement waiting for a connection of a used-up pool fails after DATABASE_POOL_WAIT_MS, not never', async () => {
    const app = await start('pool-wait-test', 1, { DATABASE_POOL_WAIT_MS: '300' });
    try {
      const pool = app.get<Pool>(PG_POOL);
      const held = await pool.connect();
      await held.query('BEGIN');
      const started = Date.now();
      await expect(pool.query('SELECT 1')).rejects.toThrow(/timeout/);
      expect(Date.now() - started).toBeLessThan(5_000);
      await held.query('ROLLBACK');
      held.release();
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
    } finally {
      await app.close();
    }
  });
});
