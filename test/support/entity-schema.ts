import { DataSource, type EntitySchema, type ObjectType } from 'typeorm';

type EntityClass = ObjectType<unknown> | EntitySchema;

/** A TypeORM DataSource over a test database with these entities (never `synchronize`): destroy it after. */
export async function entityDataSource(url: string, entities: EntityClass[]): Promise<DataSource> {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize: 2,
    entities,
    synchronize: false,
    logging: false,
  }).initialize();
}

export interface TableColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/**
 * The entity's columns and the migrated table's, as (name, type, nullability), for an exact comparison: every column
 * of the table is on the entity and every column of the entity is in the table, with the same type and nullability.
 * `typeOverrides` names columns whose type TypeORM cannot declare (the entity's type is replaced by the table's).
 */
export async function entityAndTableColumns(
  dataSource: DataSource,
  entity: EntityClass,
  typeOverrides: Record<string, string> = {},
): Promise<{ entity: TableColumn[]; table: TableColumn[] }> {
  const metadata = dataSource.getMetadata(entity);
  const rows = (await dataSource.query(
    `SELECT column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1`,
    [metadata.tableName],
  )) as { column_name: string; data_type: string; is_nullable: 'YES' | 'NO' }[];
  if (rows.length === 0) throw new Error(`no table ${metadata.tableName}`);
  const byName = (a: TableColumn, b: TableColumn) => a.name.localeCompare(b.name);
  return {
    entity: metadata.columns
      .map((c) => ({
        name: c.databaseName,
        type: typeOverrides[c.databaseName] ?? dataSource.driver.normalizeType(c),
        nullable: c.isNullable,
      }))
      .sort(byName),
    table: rows
      .map((r) => ({ name: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' }))
      .sort(byName),
  };
}
