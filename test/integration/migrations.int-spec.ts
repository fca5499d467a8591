import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import {
  loadSqlMigrations,
  migrateDatabase,
  migrationDataSource,
  revertLastMigration,
  runMigrations,
  showMigrations,
} from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from '../../scripts/migration-directories';

/** TypeORM's migration runner over the SQL migrations: from empty, show, revert, and taking over the old runner's. */
describe('migrations (TypeORM runner)', () => {
  const adminUrl = process.env.DATABASE_URL as string;
  const created: string[] = [];
  const all = loadSqlMigrations(ALL_MIGRATION_DIRECTORIES);
  const runOrder = [...all].sort((a, b) => Number(a.fileName.slice(0, 4)) - Number(b.fileName.slice(0, 4)));
  let freshSchema: string[];

  async function emptyDatabase(): Promise<string> {
    const name = `pl_mig_${randomBytes(5).toString('hex')}`;
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async function withPool<T>(url: string, work: (pool: Pool) => Promise<T>): Promise<T> {
    const pool = new Pool({ connectionString: url, max: 1 });
    try {
      return await work(pool);
    } finally {
      await pool.end();
    }
  }

  async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
    const dataSource = await migrationDataSource(url, ALL_MIGRATION_DIRECTORIES).initialize();
    try {
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  }

  /**
   * Tables, columns (with their compression), indexes, functions, triggers and grants (what the services' role may do) of the public schema,
   * without the runners' bookkeeping.
   */
  function schemaOf(url: string): Promise<string[]> {
    return withPool(url, async (pool) => {
      const { rows } = await pool.query<{ item: string }>(`
        SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.data_type || ' ' || c.is_nullable ||
               ' ' || coalesce(c.column_default, '') ||
               coalesce(' compression ' || nullif(a.attcompression::text, ''), '') AS item
          FROM information_schema.columns c
          JOIN pg_attribute a ON a.attrelid = ('public.' || quote_ident(c.table_name))::regclass
                             AND a.attname = c.column_name
         WHERE c.table_schema = 'public' AND c.table_name NOT IN ('migrations', 'schema_migrations')
        UNION ALL
        SELECT 'index ' || indexdef FROM pg_indexes
         WHERE schemaname = 'public' AND tablename NOT IN ('migrations', 'schema_migrations')
        UNION ALL
        SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public'
        UNION ALL
        SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL
        SELECT 'grant ' || a.privilege_type || ' on ' || c.relname || ' to ' ||
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END
          FROM pg_class c, aclexplode(c.relacl) a
         WHERE c.relnamespace = 'public'::regnamespace AND a.grantee <> c.relowner
           AND c.relname NOT IN ('migrations', 'schema_migrations')
        ORDER BY 1`);
      return rows.map((r) => r.item);
    });
  }

  async function migrationsTable(url: string): Promise<string[]> {
    return withPool(url, async (pool) =>
      (await pool.query('SELECT name FROM migrations ORDER BY id')).rows.map((r) => r.name),
    );
  }

  /** What the hand-written runner this replaced did: each file in name order, in a transaction, recorded by name. */
  async function migrateWithOldRunner(url: string, count: number): Promise<void> {
    await withPool(url, async (pool) => {
      await pool.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      for (const migration of all.slice(0, count)) {
        await pool.query('BEGIN');
        await pool.query(migration.up);
        await pool.query('INSERT INTO schema_migrations (name) VALUES ($1)', [migration.fileName]);
        await pool.query('COMMIT');
      }
    });
  }

  beforeAll(async () => {
    const url = await emptyDatabase();
    await migrateDatabase(url, ALL_MIGRATION_DIRECTORIES);
    freshSchema = await schemaOf(url);
  });

  afterAll(async () => {
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    try {
      for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('migrates an empty database with every migration once, in number order, and then has nothing to do', async () => {
    const url = await emptyDatabase();
    expect(await migrateDatabase(url, ALL_MIGRATION_DIRECTORIES)).toEqual(runOrder.map((m) => m.name));
    expect(await migrateDatabase(url, ALL_MIGRATION_DIRECTORIES)).toEqual([]);
    expect(await migrationsTable(url)).toEqual(runOrder.map((m) => m.name));
    expect(freshSchema).toEqual(expect.arrayContaining([expect.stringMatching(/^column events\.transaction_id xid8/)]));
    expect(freshSchema).toEqual(expect.arrayContaining([expect.stringMatching(/^column merchants\.merchant_id/)]));
    expect(await schemaOf(url)).toEqual(freshSchema);
  });

  it("compresses the list views' folded state with lz4, the cheaper to rewrite on every event (0404, 0502, 0801)", async () => {
    const url = await emptyDatabase();
    await migrateDatabase(url, ALL_MIGRATION_DIRECTORIES);
    const compression = await withPool(url, async (pool) => {
      const { rows } = await pool.query<{ table: string; method: string }>(
        `SELECT attrelid::regclass::text AS table, attcompression AS method FROM pg_attribute
          WHERE attname = 'state' AND attrelid::regclass::text = ANY($1::text[]) ORDER BY 1`,
        [['agreement_list_view', 'charge_list_view', 'refund_list_view']],
      );
      return rows;
    });
    expect(compression).toEqual([
      { table: 'agreement_list_view', method: 'l' },
      { table: 'charge_list_view', method: 'l' },
      { table: 'refund_list_view', method: 'l' },
    ]);
  });

  it('names each migration after its file, ending in its number as 13 digits', () => {
    expect(all.find((m) => m.fileName === '0300_gateway')?.name).toBe('Gateway0000000000300');
    expect(all.find((m) => m.fileName === '0601_scheduler_claim_indexes')?.name).toBe(
      'SchedulerClaimIndexes0000000000601',
    );
  });

  it('shows every migration as pending, then as applied', async () => {
    const url = await emptyDatabase();
    await withDataSource(url, async (dataSource) => {
      expect(await showMigrations(dataSource)).toEqual(runOrder.map((m) => ({ name: m.name, applied: false })));
      await runMigrations(dataSource);
      expect(await showMigrations(dataSource)).toEqual(runOrder.map((m) => ({ name: m.name, applied: true })));
    });
  });

  it('reverts the last migration with its down file, and migrates it again', async () => {
    const url = await emptyDatabase();
    await withDataSource(url, async (dataSource) => {
      await runMigrations(dataSource);
      const last = runOrder[runOrder.length - 1];
      expect(await revertLastMigration(dataSource)).toBe(last.name);
      expect((await showMigrations(dataSource)).find((m) => m.name === last.name)?.applied).toBe(false);
      expect(await schemaOf(url)).not.toEqual(freshSchema);
      expect(await runMigrations(dataSource)).toEqual([last.name]);
    });
    expect(await schemaOf(url)).toEqual(freshSchema);
  });

  it('reverts every migration down to an empty schema, and migrates from there to the same schema', async () => {
    const url = await emptyDatabase();
    await withDataSource(url, async (dataSource) => {
      await runMigrations(dataSource);
      const reverted: string[] = [];
      for (let name = await revertLastMigration(dataSource); name; name = await revertLastMigration(dataSource)) {
        reverted.push(name);
      }
      expect(reverted).toEqual(runOrder.map((m) => m.name).reverse());
      expect(await schemaOf(url)).toEqual([]);
      await runMigrations(dataSource);
    });
    expect(await schemaOf(url)).toEqual(freshSchema);
  });

  it('takes over a database the old runner migrated: its migrations are marked as run, not run again', async () => {
    const url = await emptyDatabase();
    await migrateWithOldRunner(url, all.length);
    await withDataSource(url, async (dataSource) => {
      expect(await showMigrations(dataSource)).toEqual(runOrder.map((m) => ({ name: m.name, applied: true })));
      expect(await runMigrations(dataSource)).toEqual([]);
    });
    expect(await migrationsTable(url)).toEqual(runOrder.map((m) => m.name));
    expect(
      await withPool(url, async (p) => (await p.query(`SELECT to_regclass('schema_migrations') AS t`)).rows[0].t),
    ).toBeNull();
    expect(await schemaOf(url)).toEqual(freshSchema);
    // From now on TypeORM's table is the only record: a revert and a migrate run the migration again.
    await withDataSource(url, async (dataSource) => {
      const last = runOrder[runOrder.length - 1].name;
      expect(await revertLastMigration(dataSource)).toBe(last);
      expect(await runMigrations(dataSource)).toEqual([last]);
    });
  });

  it('takes over a database the old runner migrated part of, and runs the rest', async () => {
    const url = await emptyDatabase();
    const done = 3;
    await migrateWithOldRunner(url, done);
    const rest = runOrder.filter((m) => !all.slice(0, done).includes(m)).map((m) => m.name);
    expect(await migrateDatabase(url, ALL_MIGRATION_DIRECTORIES)).toEqual(rest);
    expect(await schemaOf(url)).toEqual(freshSchema);
  });

  it('refuses to take over a database that ran a migration this build does not have', async () => {
    const url = await emptyDatabase();
    await migrateWithOldRunner(url, 1);
    await withPool(url, (p) => p.query(`INSERT INTO schema_migrations (name) VALUES ('9999_from_the_future')`));
    await expect(migrateDatabase(url, ALL_MIGRATION_DIRECTORIES)).rejects.toThrow(/9999_from_the_future/);
  });

  it('lets replicas migrating together apply each migration once', async () => {
    const url = await emptyDatabase();
    const results = await Promise.all([1, 2, 3].map(() => migrateDatabase(url, ALL_MIGRATION_DIRECTORIES)));
    expect(results.flat().sort()).toEqual(runOrder.map((m) => m.name).sort());
    expect(await migrationsTable(url)).toEqual(runOrder.map((m) => m.name));
  });
});
