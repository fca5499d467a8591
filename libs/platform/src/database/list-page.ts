import {
  type FindOperator,
  type FindOptionsOrder,
  type FindOptionsSelect,
  type FindOptionsWhere,
  And,
  LessThan,
  MoreThanOrEqual,
  type Repository,
} from 'typeorm';

/** A read-model entity: one row per object, its folded state in a `state` jsonb column. */
export interface ReadModelRow<State> {
  state: State;
}

export interface ListPageQuery<Row> {
  /** The id property: ids are time-ordered, so newest first is `ORDER BY id DESC` and the cursor is an id. */
  idProperty: keyof Row & string;
  /**
   * The tenant whose rows are listed: required, and never left out like the optional filters, so a list without a
   * merchant cannot be asked for (an empty id is refused, not read as "every merchant").
   */
  tenant: { property: keyof Row & string; id: string };
  /**
   * Further filters by property: a value (equality) or a TypeORM operator (say `ArrayContains([account])`);
   * undefined or empty values are left out.
   */
  where: Partial<Record<keyof Row & string, string | FindOperator<unknown> | undefined>>;
  /** A time range on a property (`from` inclusive, `to` exclusive; either may be left out). */
  range?: { property: keyof Row & string; from?: Date; to?: Date };
  limit: number;
  startingAfter?: string;
}

export interface ListPage<State> {
  states: State[];
  hasMore: boolean;
}

/**
 * One page of a read model through its entity's repository, newest first, with cursor pagination (`startingAfter` =
 * the last id seen): `WHERE <tenant> = $1 [AND <filters>] [AND <range>] [AND <id> < cursor] ORDER BY <id> DESC LIMIT limit + 1`.
 */
export async function listPage<Row extends ReadModelRow<unknown>>(
  repository: Repository<Row>,
  query: ListPageQuery<Row>,
): Promise<ListPage<Row['state']>> {
  const table = repository.metadata.tableName;
  if (typeof query.tenant?.id !== 'string' || query.tenant.id.trim() === '') {
    throw new Error(`listPage(${table}): a list is always one tenant's (${query.tenant?.property} is required)`);
  }
  // The tenant first, then the filters given, then the cursor.
  const where: Record<string, unknown> = { [query.tenant.property]: query.tenant.id };
  for (const [property, value] of Object.entries(query.where)) {
    if (property === query.tenant.property || value === undefined || value === '') continue;
    where[property] = value;
  }
  const { range } = query;
  if (range && (range.from || range.to)) {
    const bounds = [...(range.from ? [MoreThanOrEqual(range.from)] : []), ...(range.to ? [LessThan(range.to)] : [])];
    where[range.property] = bounds.length === 1 ? bounds[0] : And(...bounds);
  }
  if (query.startingAfter) where[query.idProperty] = LessThan(query.startingAfter);
  const rows = await repository.find({
    select: { state: true } as FindOptionsSelect<Row>,
    where: where as FindOptionsWhere<Row>,
    order: { [query.idProperty]: 'DESC' } as FindOptionsOrder<Row>,
    take: query.limit + 1,
  });
  return { states: rows.slice(0, query.limit).map((r) => r.state), hasMore: rows.length > query.limit };
}
