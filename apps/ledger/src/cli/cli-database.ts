import type { Pool } from 'pg';
import { DataSource, type EntitySchema } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * A command's connection to PostgreSQL: a TypeORM DataSource for the entities it reads (checkpoints, a read model's
 * rows) and its pg Pool for the event store and the rebuild's SQL, as in the services (one pool). Small: the CLI
 * runs one thing at a time, and an export reads one page while writing another.
 */
export interface CliDatabase {
  dataSource: DataSource;
  pool: Pool;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
type EntityTarget = Function | EntitySchema;

export async function openCliDatabase(url: string, entities: EntityTarget[] = []): Promise<CliDatabase> {
  const dataSource = await new DataSource({
    type: 'postgres',
    url,
    poolSize: 3,
    applicationName: 'payment-ledger-cli',
    entities,
    synchronize: false,
    logging: false,
  }).initialize();
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  return { dataSource, pool, close: () => dataSource.destroy() };
}
