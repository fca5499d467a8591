import type { Pool, PoolClient } from 'pg';
import type { Repository } from 'typeorm';
import { LOG_START, type LogCursor } from '@payment-ledger/event-store';
import type { RelayCheckpointEntity } from './messaging.entities';

/**
 * Where a reader of the event log has got to (a relay, or a feed such as the charges' creation timers), kept in
 * `relay_checkpoints` under the reader's name, in the store's (transaction id, global position) order. A reader
 * that has never saved one starts at LOG_START. Without `forUpdate` it is a plain read, on a pool or in a session.
 *
 * SQL and not the RelayCheckpointEntity repository: it runs on every poll of every relay and projection, in the
 * caller's own pg session (the transaction that reads the events and saves the checkpoint after them), and with
 * `forUpdate` it is one upsert that creates and locks the row at once (`INSERT … ON CONFLICT … RETURNING`), which a
 * repository cannot say in one statement; the xid8 column also needs its explicit casts.
 */
export async function readLogCheckpoint(
  db: Pool | PoolClient,
  name: string,
  options: { forUpdate?: boolean } = {},
): Promise<LogCursor> {
  const { rows } = options.forUpdate
    ? // One statement that creates the row on first use (so readers sharing the name take turns from the start) and
      // locks it: an upsert that changes nothing still takes the row lock, and after waiting for another holder it
      // returns the row as that holder committed it.
      await db.query<{ transaction_id: string; global_position: string }>(
        `INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position) VALUES ($1, $2::xid8, $3)
         ON CONFLICT (relay_name) DO UPDATE SET relay_name = EXCLUDED.relay_name
         RETURNING transaction_id::text, global_position`,
        [name, LOG_START.transactionId, LOG_START.globalPosition],
      )
    : await db.query<{ transaction_id: string; global_position: string }>(
        `SELECT transaction_id::text, global_position FROM relay_checkpoints WHERE relay_name = $1`,
        [name],
      );
  return rows[0]
    ? { transactionId: rows[0].transaction_id, globalPosition: Number(rows[0].global_position) }
    : LOG_START;
}

/**
 * Saves where the reader has got to, in the caller's session (the transaction of what it did up to there). SQL for
 * the reasons of readLogCheckpoint: every poll, in a pg session the caller holds, one upsert with an xid8 cast.
 */
export async function saveLogCheckpoint(db: PoolClient, name: string, cursor: LogCursor): Promise<void> {
  await db.query(
    `INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position, updated_at)
     VALUES ($1, $2::xid8, $3, now())
     ON CONFLICT (relay_name) DO UPDATE
       SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`,
    [name, cursor.transactionId, cursor.globalPosition],
  );
}

export interface LogCheckpoint {
  name: string;
  cursor: LogCursor;
  updatedAt: Date;
}

/**
 * Every saved checkpoint, by name (those whose name starts with `prefix`, if given): where each relay and projection
 * stands, for scripts and status. Read through the entity's repository (not a hot path).
 */
export async function listLogCheckpoints(
  repository: Repository<RelayCheckpointEntity>,
  prefix?: string,
): Promise<LogCheckpoint[]> {
  const rows = await repository.find({ order: { relayName: 'ASC' } });
  return rows.filter((row) => prefix === undefined || row.relayName.startsWith(prefix)).map(checkpointOf);
}

/** One reader's saved checkpoint, or null if it has never saved one (it would start at LOG_START). */
export async function logCheckpoint(
  repository: Repository<RelayCheckpointEntity>,
  name: string,
): Promise<LogCheckpoint | null> {
  const row = await repository.findOneBy({ relayName: name });
  return row && checkpointOf(row);
}

function checkpointOf(row: RelayCheckpointEntity): LogCheckpoint {
  return {
    name: row.relayName,
    cursor: { transactionId: row.transactionId, globalPosition: Number(row.globalPosition) },
    updatedAt: row.updatedAt,
  };
}
