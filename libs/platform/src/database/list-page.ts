import type { Pool } from 'pg';

export interface ListPageQuery {
  /** A read-model table with a `state` jsonb column. Names come from code, never from requests. */
  table: string;
  /** The id column: ids are time-ordered, so newest first is `ORDER BY id DESC` and the cursor is an id. */
  idColumn: string;
  /**
   * The tenant whose rows are listed: required, and never left out like the optional filters, so a list without a
   * merchant cannot be asked for (an empty id is refused, not read as "every merchant").
   */
  tenant: { column: string; id: string };
  /** Further equality filters by column; undefined or empty values are left out. */
  where: Record<string, string | undefined>;
  limit: number;
  startingAfter?: string;
}

export interface ListPage<State> {
  states: State[];
  hasMore: boolean;
}

/** One page of a read model, newest first, with cursor pagination (`startingAfter` = the last id seen). */
export async function listPage<State>(pool: Pool, query: ListPageQuery): Promise<ListPage<State>> {
  if (typeof query.tenant?.id !== 'string' || query.tenant.id.trim() === '') {
    throw new Error(`listPage(${query.table}): a list is always one tenant's (${query.tenant?.column} is required)`);
  }
  const params: unknown[] = [query.tenant.id];
  const conditions: string[] = [`${query.tenant.column} = $1`];
  for (const [column, value] of Object.entries(query.where)) {
    if (value === undefined || value === '') continue;
    params.push(value);
    conditions.push(`${column} = $${params.length}`);
  }
  if (query.startingAfter) {
    params.push(query.startingAfter);
    conditions.push(`${query.idColumn} < $${params.length}`);
  }
  params.push(query.limit + 1);
  const { rows } = await pool.query<{ state: State }>(
    `SELECT state FROM ${query.table} ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY ${query.idColumn} DESC LIMIT $${params.length}`,
    params,
  );
  return { states: rows.slice(0, query.limit).map((r) => r.state), hasMore: rows.length > query.limit };
}
