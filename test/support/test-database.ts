import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { migrateDatabase } from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from '../../scripts/migration-directories';

/** A fresh, fully migrated database per test file, dropped afterwards. */
export class TestDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
    readonly pool: Pool,
    private readonly adminUrl: string,
  ) {}

  static async create(options: { poolSize?: number } = {}): Promise<TestDatabase> {
    const adminUrl = process.env.DATABASE_URL;
    if (!adminUrl) throw new Error('DATABASE_URL is not set (the integration global setup sets it)');
    const name = `pl_test_${randomBytes(5).toString('hex')}`;
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    // As `npm run migrate` does: TypeORM's migration runner over every migration folder.
    await migrateDatabase(url.toString(), ALL_MIGRATION_DIRECTORIES);
    const pool = new Pool({ connectionString: url.toString(), max: options.poolSize ?? 20 });
    // As in the services: a pooled connection that the server ends (a fault test terminating backends) is discarded.
    pool.on('error', () => undefined);
    return new TestDatabase(name, url.toString(), pool, adminUrl);
  }

  async drop(): Promise<void> {
    await this.pool.end();
    const admin = new Pool({ connectionString: this.adminUrl, max: 1 });
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}
