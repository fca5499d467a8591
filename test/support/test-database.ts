import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrateDatabase } from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from '../../scripts/migration-directories';

/** The tests' login for the services: a member of payment_ledger_service, like the stack's `payment_ledger_app`. */
export const TEST_SERVICE_LOGIN = 'payment_ledger_test_app';
const SERVICE_LOGIN_SQL = join(__dirname, '..', '..', 'docker', 'postgres', 'service-login.sql');
/** Serializes the test processes making the login (roles are the cluster's; all of them lock on the admin database). */
const SERVICE_LOGIN_LOCK = 727_002;

/**
 * A fresh, fully migrated database per test file, dropped afterwards. `url` and `pool` connect as the administrator
 * that migrated it (the schema's owner, as migrations run); `serviceUrl` as the services' restricted login, which is
 * how the services a test starts connect, so a grant the code needs and the migrations forgot fails the test.
 */
export class TestDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
    readonly serviceUrl: string,
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
    const serviceUrl = new URL(url);
    serviceUrl.username = TEST_SERVICE_LOGIN;
    serviceUrl.password = await ensureTestServiceLogin(adminUrl);
    const pool = new Pool({ connectionString: url.toString(), max: options.poolSize ?? 20 });
    // As in the services: a pooled connection that the server ends (a fault test terminating backends) is discarded.
    pool.on('error', () => undefined);
    return new TestDatabase(name, url.toString(), serviceUrl.toString(), pool, adminUrl);
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

let testServiceLogin: Promise<string> | undefined;

/**
 * Makes the tests' service login once per process with what an operator runs (docker/postgres/service-login.sql),
 * and returns its password: derived from the administrator's URL, so every test process on a cluster agrees on it
 * (each run of the script sets it again).
 */
function ensureTestServiceLogin(adminUrl: string): Promise<string> {
  testServiceLogin ??= (async () => {
    const password = createHash('sha256').update(`${TEST_SERVICE_LOGIN}\n${adminUrl}`).digest('hex');
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    try {
      const session = await admin.connect();
      try {
        await session.query('BEGIN');
        await session.query('SELECT pg_advisory_xact_lock($1)', [SERVICE_LOGIN_LOCK]);
        await session.query(
          `SELECT set_config('payment_ledger.service_login', $1, true), set_config('payment_ledger.service_password', $2, true)`,
          [TEST_SERVICE_LOGIN, password],
        );
        await session.query(readFileSync(SERVICE_LOGIN_SQL, 'utf8'));
        await session.query('COMMIT');
      } catch (error) {
        await session.query('ROLLBACK');
        throw error;
      } finally {
        session.release();
      }
    } finally {
      await admin.end();
    }
    return password;
  })();
  return testServiceLogin;
}
