import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, MigrationExecutor, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Schema changes are TypeORM migrations, run by TypeORM's migration runner (`MigrationExecutor`), each in its own
 * transaction, under an advisory lock so replicas starting together do not race.
 *
 * A migration is a pair of SQL files in one of the listed folders: `<NNNN>_<what>.sql` (up) and
 * `<NNNN>_<what>.down.sql` (down). Each pair becomes a TypeORM migration class at run time, named
 * `<What><NNNN as 13 digits>` (TypeORM orders migrations by the 13-digit number that ends a class name): so adding a
 * migration is adding its two files, nothing else. Numbers are ordered across folders; equal numbers run in file
 * name order.
 */
export type MigrationClass = new () => MigrationInterface;

export interface SqlMigration {
  /** The file name without `.sql`: `0300_gateway` (the name the previous runner recorded). */
  fileName: string;
  /** The TypeORM migration name: `Gateway0000000000300`. */
  name: string;
  up: string;
  /** Undefined when there is no `.down.sql`: reverting it then fails and names the missing file. */
  down?: string;
  downPath: string;
}

/** TypeORM's bookkeeping table (its default name). */
export const MIGRATIONS_TABLE = 'migrations';
/** The bookkeeping table of the hand-written runner this replaced; taken over once, then dropped. */
export const LEGACY_MIGRATIONS_TABLE = 'schema_migrations';
const MIGRATION_LOCK = 727_001;
const UP_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function migrationName(fileName: string): string {
  const match = /^(\d{4})_([a-z0-9_]+)$/.exec(fileName);
  if (!match) throw new Error(`not a migration file name: ${fileName}`);
  const what = match[2]
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
  return `${what}${match[1].padStart(13, '0')}`;
}

export function loadSqlMigrations(directories: string[]): SqlMigration[] {
  const migrations = directories.flatMap((dir) =>
    readdirSync(dir)
      .filter((file) => UP_FILE.test(file))
      .map((file): SqlMigration => {
        const fileName = file.replace(/\.sql$/, '');
        const downPath = join(dir, `${fileName}.down.sql`);
        return {
          fileName,
          name: migrationName(fileName),
          up: readFileSync(join(dir, file), 'utf8'),
          down: existsSync(downPath) ? readFileSync(downPath, 'utf8') : undefined,
          downPath,
        };
      }),
  );
  const names = new Set<string>();
  for (const m of migrations) {
    if (names.has(m.name)) throw new Error(`duplicate migration name ${m.fileName}`);
    names.add(m.name);
  }
  // TypeORM sorts by the number alone with a stable sort, so this order breaks ties.
  return migrations.sort((a, b) => a.fileName.localeCompare(b.fileName));
}

/** The TypeORM migration classes of the SQL migrations (the DataSource's `migrations` option). */
export function sqlMigrationClasses(migrations: SqlMigration[]): MigrationClass[] {
  return migrations.map((migration) => {
    const SqlFileMigration = class implements MigrationInterface {
      readonly name = migration.name;
      /** The name the previous runner recorded, for the takeover. */
      readonly fileName = migration.fileName;
      async up(queryRunner: QueryRunner): Promise<void> {
        // The file's text as one simple-protocol query: several statements, no parameters.
        await queryRunner.query(migration.up);
      }
      async down(queryRunner: QueryRunner): Promise<void> {
        if (migration.down === undefined) {
          throw new Error(`migration ${migration.fileName} cannot be reverted: ${migration.downPath} is missing`);
        }
        await queryRunner.query(migration.down);
      }
    };
    Object.defineProperty(SqlFileMigration, 'name', { value: migration.name });
    return SqlFileMigration;
  });
}

/** A DataSource for running migrations only (no entities, one connection). Initialize it, use it, destroy it. */
export function migrationDataSource(url: string, directories: string[]): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize: 1,
    applicationName: 'migrations',
    migrations: sqlMigrationClasses(loadSqlMigrations(directories)),
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
  });
}

/** Takes over a database migrated by the previous runner, then applies every pending migration: their names. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  return withMigrationLock(dataSource, async (executor, queryRunner) => {
    await takeOverLegacyMigrations(dataSource, queryRunner);
    return (await executor.executePendingMigrations()).map((m) => m.name);
  });
}

/** Reverts the last applied migration: its name, or undefined when none is applied. */
export async function revertLastMigration(dataSource: DataSource): Promise<string | undefined> {
  return withMigrationLock(dataSource, async (executor, queryRunner) => {
    await takeOverLegacyMigrations(dataSource, queryRunner);
    const executed = await executor.getExecutedMigrations();
    if (executed.length === 0) return undefined;
    const last = executed.reduce((a, b) => ((a.id ?? 0) > (b.id ?? 0) ? a : b));
    await executor.undoLastMigration();
    return last.name;
  });
}

export interface MigrationStatus {
  name: string;
  applied: boolean;
}

/** Every known migration in run order and whether it is applied (a legacy-runner database counts as taken over). */
export async function showMigrations(dataSource: DataSource): Promise<MigrationStatus[]> {
  return withMigrationLock(dataSource, async (executor, queryRunner) => {
    const legacy = await legacyApplied(queryRunner);
    const executed = new Set((await executor.getExecutedMigrations()).map((m) => m.name));
    const files = fileNames(dataSource);
    return orderedMigrations(dataSource).map((m) => ({
      name: m.name,
      applied: executed.has(m.name) || legacy.has(files.get(m.name) ?? ''),
    }));
  });
}

/** `npm run migrate`, the test harness and the benches: migrate the database at `url` and close. */
export async function migrateDatabase(url: string, directories: string[]): Promise<string[]> {
  const dataSource = await migrationDataSource(url, directories).initialize();
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function withMigrationLock<T>(
  dataSource: DataSource,
  work: (executor: MigrationExecutor, queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  const queryRunner = dataSource.createQueryRunner();
  await queryRunner.connect();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = dataSource.options.migrationsTransactionMode ?? 'each';
      return await work(executor, queryRunner);
    } finally {
      await queryRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    }
  } finally {
    await queryRunner.release();
  }
}

/** The DataSource's migrations in TypeORM's run order (by the 13-digit number ending the name; a stable sort). */
function orderedMigrations(dataSource: DataSource): { name: string; timestamp: number }[] {
  return dataSource.migrations
    .map((m) => {
      const name = m.name ?? m.constructor.name;
      return { name, timestamp: parseInt(name.slice(-13), 10) };
    })
    .sort((a, b) => a.timestamp - b.timestamp);
}

/** TypeORM name → file name (the previous runner's name) of the DataSource's SQL migrations. */
function fileNames(dataSource: DataSource): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of dataSource.migrations as (MigrationInterface & { fileName?: string })[]) {
    if (m.name && m.fileName) names.set(m.name, m.fileName);
  }
  return names;
}

async function hasLegacyTable(queryRunner: QueryRunner): Promise<boolean> {
  const [{ exists }] = (await queryRunner.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
    LEGACY_MIGRATIONS_TABLE,
  ])) as { exists: boolean }[];
  return exists;
}

async function legacyApplied(queryRunner: QueryRunner): Promise<Set<string>> {
  if (!(await hasLegacyTable(queryRunner))) return new Set();
  const rows = (await queryRunner.query(`SELECT name FROM ${LEGACY_MIGRATIONS_TABLE}`)) as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/**
 * A database migrated by the previous runner has `schema_migrations` (one row per applied SQL file). Its migrations
 * are recorded as run in TypeORM's table, in run order, and the old table is dropped, in one transaction: from then
 * on TypeORM's table is the only record (a revert followed by a migrate must run the migration again).
 */
async function takeOverLegacyMigrations(dataSource: DataSource, queryRunner: QueryRunner): Promise<void> {
  if (!(await hasLegacyTable(queryRunner))) return;
  const legacy = await legacyApplied(queryRunner);
  await queryRunner.startTransaction();
  try {
    // The table TypeORM creates on its first run (MigrationExecutor.createMigrationsTableIfNotExist).
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "${MIGRATIONS_TABLE}" (
         "id" SERIAL NOT NULL PRIMARY KEY, "timestamp" bigint NOT NULL, "name" character varying NOT NULL)`,
    );
    const executed = new Set(
      ((await queryRunner.query(`SELECT name FROM "${MIGRATIONS_TABLE}"`)) as { name: string }[]).map((r) => r.name),
    );
    const files = fileNames(dataSource);
    const known = new Set(files.values());
    const unknown = [...legacy].filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new Error(
        `${LEGACY_MIGRATIONS_TABLE} lists migrations this build does not have (${unknown.join(', ')}): ` +
          'run a build that has them',
      );
    }
    for (const migration of orderedMigrations(dataSource)) {
      if (!legacy.has(files.get(migration.name) ?? '') || executed.has(migration.name)) continue;
      await queryRunner.query(`INSERT INTO "${MIGRATIONS_TABLE}" ("timestamp", name) VALUES ($1, $2)`, [
        migration.timestamp,
        migration.name,
      ]);
    }
    await queryRunner.query(`DROP TABLE ${LEGACY_MIGRATIONS_TABLE}`);
    await queryRunner.commitTransaction();
  } catch (error) {
    await queryRunner.rollbackTransaction();
    throw error;
  }
}
