import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { type EventStore, inTransaction, LOG_START } from '@payment-ledger/event-store';
import { readLogCheckpoint, saveLogCheckpoint } from './log-checkpoints';
import { applyRestOfLog, assertIdentifier } from './projection-rebuild';
import {
  catchUpProjection,
  DEFAULT_PROJECTION_BATCH_SIZE,
  liveTarget,
  type Projection,
  type ProjectionTarget,
} from './projection-runner';

/** How one of a projection's tables differs from what the log gives. */
export interface TableDifference {
  table: string;
  /** Rows the live table has and the log does not give (changed or made up). */
  unexpected: number;
  /** Rows the log gives and the live table lacks (changed or lost). */
  missing: number;
  /** The first column (the key) of up to 5 rows of each kind, to start looking from. */
  unexpectedKeys: string[];
  missingKeys: string[];
}

export interface ProjectionVerification {
  projection: string;
  /** Events the fresh copy was built from. */
  events: number;
  /** One per table that differs; empty: the live tables are exactly what the log gives. */
  differences: TableDifference[];
}

/**
 * Whether a projection's live tables equal a rebuild from the log, row for row, without swapping anything:
 *
 * 1. fresh copies `<table>_verify_<random>` (`LIKE … INCLUDING ALL`) filled from position 0 by the same batches as
 *    the live runner (projectBatch), while the live runner goes on;
 * 2. one transaction: the live checkpoint's lock (the live runner waits), the rest of the safe log applied to the
 *    live tables and to the copies alike, so both stand at the same place; then each table compared with its copy
 *    both ways (`EXCEPT ALL`: a changed row counts on both sides);
 * 3. the copies and their checkpoint dropped (also when it fails).
 *
 * DDL needs the tables' owner, as a rebuild does (the CLI's `verify`).
 */
export async function verifyProjection(
  pool: Pool,
  store: EventStore,
  projection: Projection,
  options: { batchSize?: number; onProgress?: (events: number) => void } = {},
): Promise<ProjectionVerification> {
  const batchSize = options.batchSize ?? DEFAULT_PROJECTION_BATCH_SIZE;
  const tables = [projection.table, ...(projection.companionTables ?? [])].map(assertIdentifier);
  const suffix = `_verify_${randomBytes(3).toString('hex')}`;
  const copy: ProjectionTarget = {
    table: `${projection.table}${suffix}`,
    checkpoint: `${projection.name}#verify${suffix}`,
    tableOf: (table) => `${table}${suffix}`,
  };
  await inTransaction(pool, async (session) => {
    for (const table of tables)
      await session.query(`CREATE TABLE ${copy.tableOf(table)} (LIKE ${table} INCLUDING ALL)`);
    await saveLogCheckpoint(session, copy.checkpoint, LOG_START);
  });
  try {
    let events = await catchUpProjection(pool, store, projection, copy, batchSize, options.onProgress);
    const differences = await inTransaction(pool, async (session) => {
      await readLogCheckpoint(session, projection.name, { forUpdate: true });
      await applyRestOfLog(session, store, projection, liveTarget(projection), batchSize);
      events += (await applyRestOfLog(session, store, projection, copy, batchSize)).applied;
      const found: TableDifference[] = [];
      for (const table of tables) {
        const difference = await compareTables(session, table, copy.tableOf(table));
        if (difference.unexpected > 0 || difference.missing > 0) found.push(difference);
      }
      return found;
    });
    return { projection: projection.name, events, differences };
  } finally {
    await inTransaction(pool, async (session) => {
      for (const table of tables) await session.query(`DROP TABLE IF EXISTS ${copy.tableOf(table)}`);
      await session.query('DELETE FROM relay_checkpoints WHERE relay_name = $1', [copy.checkpoint]);
    });
  }
}

async function compareTables(session: PoolClient, live: string, fresh: string): Promise<TableDifference> {
  const key = (
    await session.query<{ name: string }>(
      'SELECT quote_ident(attname) AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum = 1',
      [live],
    )
  ).rows[0].name;
  const side = async (from: string, without: string) => {
    const { rows } = await session.query<{ key: string; total: string }>(
      `SELECT d.${key}::text AS key, count(*) OVER () AS total
         FROM (SELECT * FROM ${from} EXCEPT ALL SELECT * FROM ${without}) d ORDER BY 1 LIMIT 5`,
    );
    return { total: Number(rows[0]?.total ?? 0), keys: rows.map((r) => r.key) };
  };
  const unexpected = await side(live, fresh);
  const missing = await side(fresh, live);
  return {
    table: live,
    unexpected: unexpected.total,
    missing: missing.total,
    unexpectedKeys: unexpected.keys,
    missingKeys: missing.keys,
  };
}
