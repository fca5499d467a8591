/* Applies every pending migration to DATABASE_URL: `npm run migrate`. */
import { Pool } from 'pg';
import { env, loadConfig, loadMigrations, runMigrations } from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from './migration-directories';

async function main(): Promise<void> {
  const config = loadConfig({ DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }) });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    const applied = await runMigrations(pool, loadMigrations(ALL_MIGRATION_DIRECTORIES));
    console.log(JSON.stringify({ level: 'info', msg: 'migrations.applied', applied }));
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
