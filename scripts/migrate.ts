/*
 * TypeORM's migration runner over the SQL migrations of every folder in migration-directories.ts, on DATABASE_URL:
 *   npm run migrate          applies every pending migration (first taking over a database the old runner migrated)
 *   npm run migrate:show     lists every migration, [X] applied or [ ] pending
 *   npm run migrate:revert   reverts the last applied migration (its .down.sql)
 */
import {
  env,
  loadConfig,
  migrationDataSource,
  revertLastMigration,
  runMigrations,
  showMigrations,
} from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from './migration-directories';

async function main(command: string | undefined): Promise<void> {
  if (command !== undefined && command !== 'show' && command !== 'revert') {
    throw new Error(`usage: migrate.ts [show|revert] (got ${command})`);
  }
  const config = loadConfig({ DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }) });
  const dataSource = await migrationDataSource(config.DATABASE_URL, ALL_MIGRATION_DIRECTORIES).initialize();
  try {
    if (command === 'show') {
      for (const m of await showMigrations(dataSource)) console.log(`${m.applied ? '[X]' : '[ ]'} ${m.name}`);
    } else if (command === 'revert') {
      const reverted = await revertLastMigration(dataSource);
      console.log(JSON.stringify({ level: 'info', msg: 'migrations.reverted', reverted: reverted ?? null }));
    } else {
      const applied = await runMigrations(dataSource);
      console.log(JSON.stringify({ level: 'info', msg: 'migrations.applied', applied }));
    }
  } finally {
    await dataSource.destroy();
  }
}

main(process.argv[2]).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
