import type { Pool, PoolClient } from 'pg';
import { type EventStore, inTransaction, LOG_START, type LogCursor } from '@payment-ledger/event-store';
import type { JsonLogger } from '@payment-ledger/platform';
import { readLogCheckpoint, saveLogCheckpoint } from './log-checkpoints';
import {
  catchUpProjection,
  DEFAULT_PROJECTION_BATCH_SIZE,
  type Projection,
  type ProjectionTarget,
  readOptions,
} from './projection-runner';

export interface RebuildResult {
  projection: string;
  /** The live table, now the rebuilt one. */
  table: string;
  /** The name the rebuilt table had while it was filled. */
  rebuiltAs: string;
  /** Every table swapped in (the projection's table and its companions), by live name. */
  tables: string[];
  /** Events applied to the rebuilt table (its stream types only). */
  events: number;
  /** Where the live checkpoint is now. */
  checkpoint: LogCursor;
}

/**
 * Rebuilds a projection from position 0 into a fresh table and swaps it in, while the live one keeps running:
 *
 * 1. `CREATE TABLE <table>_rebuild_<n> (LIKE <table> INCLUDING ALL)` (columns, defaults, constraints, indexes) with
 *    the live table's grants, and a checkpoint `<name>#rebuild-<n>` at LOG_START; its indexes that are not unique
 *    are dropped until step 2 is done (then built once, over the whole table, instead of row by row);
 * 2. the same batches as the live runner (projectBatch) into that table until it has read the whole log;
 * 3. one transaction: the live checkpoint's lock (the live runner waits), the last events since step 2, then
 *    `DROP TABLE <table>`, `ALTER TABLE <table>_rebuild_<n> RENAME TO <table>`, its indexes renamed to the live
 *    ones' names, and the live checkpoint set to where the rebuilt table has got to. Readers wait for the commit
 *    and then see the rebuilt table; the live runner carries on from the new checkpoint.
 *
 * A projection's companion tables go through the same steps with the same `_rebuild_<n>` suffix, and are swapped in
 * the same transaction.
 *
 * DDL needs the tables' owner: run it with the migration role's connection (the CLI's `rebuild`:
 * apps/ledger/src/cli/commands/rebuild.command.ts), not the service's. A rebuild that fails leaves its table and
 * checkpoint behind (drop them, or let them be); the live table is untouched until the swap.
 */
export async function rebuildProjection(
  pool: Pool,
  store: EventStore,
  projection: Projection,
  options: {
    batchSize?: number;
    logger?: JsonLogger;
    /** Hears how many events the rebuilt table has taken so far, after each batch (a progress bar). */
    onProgress?: (events: number) => void;
  } = {},
): Promise<RebuildResult> {
  const batchSize = options.batchSize ?? DEFAULT_PROJECTION_BATCH_SIZE;
  const live = assertIdentifier(projection.table);
  const tables = [live, ...(projection.companionTables ?? []).map(assertIdentifier)];
  const n = Math.max(...(await Promise.all(tables.map((table) => nextRebuildNumber(pool, table)))));
  const target: ProjectionTarget = {
    table: `${live}_rebuild_${n}`,
    checkpoint: `${projection.name}#rebuild-${n}`,
    tableOf: (table) => `${table}_rebuild_${n}`,
  };
  const deferred = await inTransaction(pool, async (session) => {
    const indexes: string[] = [];
    for (const table of tables) {
      await session.query(`CREATE TABLE ${target.tableOf(table)} (LIKE ${table} INCLUDING ALL)`);
      await copyGrants(session, table, target.tableOf(table));
      indexes.push(...(await dropSecondaryIndexes(session, target.tableOf(table))));
    }
    await saveLogCheckpoint(session, target.checkpoint, LOG_START);
    return indexes;
  });
  options.logger?.event('info', 'projection.rebuild_started', { projection: projection.name, table: target.table });

  let events = await catchUpProjection(pool, store, projection, target, batchSize, options.onProgress);
  // Built once over the whole copy: far cheaper than keeping them up to date row by row while it was filled.
  for (const index of deferred) await pool.query(index);

  const swapped = await inTransaction(pool, async (session) => {
    await readLogCheckpoint(session, projection.name, { forUpdate: true });
    // The rest of the log, as far as is safe to read: this transaction holds back the safe position, so the end is
    // near, and what commits meanwhile is left to the live runner, from the checkpoint set below.
    const rest = await applyRestOfLog(session, store, projection, target, batchSize, (applied) =>
      options.onProgress?.(events + applied),
    );
    events += rest.applied;
    const cursor = rest.cursor;
    for (const table of tables) await swapTables(session, table, target.tableOf(table));
    await saveLogCheckpoint(session, projection.name, cursor);
    await session.query('DELETE FROM relay_checkpoints WHERE relay_name = $1', [target.checkpoint]);
    return cursor;
  });
  options.logger?.event('info', 'projection.rebuilt', { projection: projection.name, table: live, events });
  return { projection: projection.name, table: live, rebuiltAs: target.table, tables, events, checkpoint: swapped };
}

/**
 * Applies the log after the target's checkpoint, as far as is safe to read, in the caller's transaction, and moves
 * the target's checkpoint past it: how a rebuild (and verifyProjection) brings its copy to the end under the live
 * checkpoint's lock. Returns the events applied and where the target stands.
 */
export async function applyRestOfLog(
  session: PoolClient,
  store: EventStore,
  projection: Projection,
  target: ProjectionTarget,
  batchSize: number,
  onBatch?: (applied: number) => void,
): Promise<{ applied: number; cursor: LogCursor }> {
  let cursor = await readLogCheckpoint(session, target.checkpoint, { forUpdate: true });
  let applied = 0;
  for (;;) {
    const read = await store.readAll(cursor, readOptions(projection, batchSize));
    if (read.events.length === 0) break;
    await projection.apply(session, read.events, target.table, target.tableOf);
    applied += read.events.length;
    onBatch?.(applied);
    cursor = read.cursor;
  }
  await saveLogCheckpoint(session, target.checkpoint, cursor);
  return { applied, cursor };
}

/**
 * Drops the copy's indexes that no constraint needs (not unique: the projection's upserts need the unique ones) and
 * returns their definitions, to make them again once the copy is filled.
 */
async function dropSecondaryIndexes(session: PoolClient, table: string): Promise<string[]> {
  const { rows } = await session.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = $1::regclass AND NOT x.indisunique`,
    [table],
  );
  for (const { name } of rows) await session.query(`DROP INDEX "${name}"`);
  return rows.map((r) => r.definition);
}

/** A table name a rebuild or a verification may copy (they build SQL with it). */
export function assertIdentifier(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`"${name}" is not a table name a rebuild can copy`);
  return name;
}

/** One more than the highest `<table>_rebuild_<n>` there is (a failed rebuild's table stays where it is). */
async function nextRebuildNumber(pool: Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT coalesce(max(substring(relname FROM '_rebuild_([0-9]+)$')::int), 0) + 1 AS n
     FROM pg_class
     WHERE relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND relkind = 'r' AND relname LIKE $1`,
    [`${table.replace(/_/g, '\\_')}\\_rebuild\\_%`],
  );
  return rows[0].n;
}

/** LIKE copies no privileges: the service's role gets on the copy what it has on the live table. */
async function copyGrants(session: PoolClient, from: string, to: string): Promise<void> {
  const { rows } = await session.query<{ grant: string }>(
    `SELECT format('GRANT %s ON %I TO %s', a.privilege_type, $2::text,
                   CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END) AS grant
     FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.oid = $1::regclass AND a.grantee <> c.relowner`,
    [from, to],
  );
  for (const { grant } of rows) await session.query(grant);
}

/**
 * Drops the live table and gives its name to the rebuilt one, and each index of the rebuilt table the name of the
 * live index with the same definition (LIKE names them after the copy), so later migrations find them by name.
 */
async function swapTables(session: PoolClient, live: string, rebuilt: string): Promise<void> {
  const { rows } = await session.query<{ table: string; name: string; shape: string }>(
    `SELECT tablename AS table, indexname AS name,
            regexp_replace(indexdef, ' INDEX \\S+ ON \\S+ ', ' INDEX ON ') AS shape
     FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1::text[])`,
    [[live, rebuilt]],
  );
  const liveNames = new Map(rows.filter((r) => r.table === live).map((r) => [r.shape, r.name]));
  await session.query(`DROP TABLE ${live}`);
  await session.query(`ALTER TABLE ${rebuilt} RENAME TO ${live}`);
  for (const index of rows.filter((r) => r.table === rebuilt)) {
    const name = liveNames.get(index.shape);
    // Renaming a constraint's index (the primary key's) renames the constraint too.
    if (name) await session.query(`ALTER INDEX "${index.name}" RENAME TO "${name}"`);
  }
}
