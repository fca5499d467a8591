import type { Pool } from 'pg';

export interface ListPageQuery {
  /** A read-model table with a `state` jsonb column. Names come from code, never from requests. */
  table: string;
  /** The id column: ids are time-ordered, so newest first is `ORDER BY id DESC` and the cursor is an id. */
  idColumn: string;
  /** Equality filters by column; undefined values are left out. */
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
  const params: unknown[] = [];
  const conditions: string[] = [];
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
