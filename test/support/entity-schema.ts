import { DataSource, type EntitySchema, type Logger, type ObjectType } from 'typeorm';

type EntityClass = ObjectType<unknown> | EntitySchema;

/**
 * A TypeORM DataSource over a test database with these entities (never `synchronize`): destroy it after. With a
 * `logger`, every query it sends is logged to it (`logQuery`), e.g. to count statements.
 */
export async function entityDataSource(
  url: string,
  entities: EntityClass[],
  options: { logger?: Logger } = {},
): Promise<DataSource> {
  return new DataSource({
    type: 'postgres',
    url,
    poolSize: 2,
    entities,
    synchronize: false,
    ...(options.logger ? { logger: options.logger, logging: ['query'] } : { logging: false }),
  }).initialize();
}

/**
 * The columns whose type TypeORM cannot declare, each with the one declared type it accepts for the table's: an
 * entity column is compared as the table's type only when it is this column, declared exactly so, in a table of
 * exactly that type. Add a column here only with the reason, and a test that writes it through the repository.
 *
 * - relay_checkpoints.transaction_id: `xid8`, which TypeORM 0.3 refuses; declared `text` (pg reads an xid8 as its
 *   decimal string, and PostgreSQL takes an untyped parameter written to the column as xid8). The round trip is
 *   tested in libs/messaging/src/messaging-entities.int-spec.ts.
 */
export const UNDECLARABLE_COLUMN_TYPES: Readonly<Record<string, { declared: string; table: string }>> = {
  'relay_checkpoints.transaction_id': { declared: 'text', table: 'xid8' },
};

export interface TableColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/**
 * The entity's columns and the migrated table's, as (name, type, nullability), for an exact comparison: every column
 * of the table is on the entity and every column of the entity is in the table, with the same type and nullability.
 * The only types allowed to differ are those of UNDECLARABLE_COLUMN_TYPES, as listed there.
 */
export async function entityAndTableColumns(
  dataSource: DataSource,
  entity: EntityClass,
): Promise<{ entity: TableColumn[]; table: TableColumn[] }> {
  const metadata = dataSource.getMetadata(entity);
  // An array column as its element's type and `[]` (information_schema says only ARRAY), as the entity side does.
  const rows = (await dataSource.query(
    `SELECT c.column_name, c.is_nullable,
            CASE WHEN c.data_type = 'ARRAY' THEN e.data_type || '[]' ELSE c.data_type END AS data_type
       FROM information_schema.columns c
       LEFT JOIN information_schema.element_types e
         ON (e.object_catalog, e.object_schema, e.object_name, e.object_type, e.collection_type_identifier)
          = (c.table_catalog, c.table_schema, c.table_name, 'TABLE', c.dtd_identifier)
      WHERE c.table_schema = current_schema() AND c.table_name = $1`,
    [metadata.tableName],
  )) as { column_name: string; data_type: string; is_nullable: 'YES' | 'NO' }[];
  if (rows.length === 0) throw new Error(`no table ${metadata.tableName}`);
  const byName = (a: TableColumn, b: TableColumn) => a.name.localeCompare(b.name);
  const tableType = new Map(rows.map((r) => [r.column_name, r.data_type]));
  const entityType = (column: string, declared: string): string => {
    const exception = UNDECLARABLE_COLUMN_TYPES[`${metadata.tableName}.${column}`];
    const excepted = exception && declared === exception.declared && tableType.get(column) === exception.table;
    return excepted ? exception.table : declared;
  };
  return {
    entity: metadata.columns
      .map((c) => ({
        name: c.databaseName,
        type: entityType(c.databaseName, dataSource.driver.normalizeType(c)) + (c.isArray ? '[]' : ''),
        nullable: c.isNullable,
      }))
      .sort(byName),
    table: rows
      .map((r) => ({ name: r.column_name, type: r.data_type, nullable: r.is_nullable === 'YES' }))
      .sort(byName),
  };
}
