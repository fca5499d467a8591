import type { Pool, PoolClient } from 'pg';
import { LOG_START, type LogCursor } from '@payment-ledger/event-store';

/**
 * Where a reader of the event log has got to (a relay, or a feed such as the charges' creation timers), kept in
 * `relay_checkpoints` under the reader's name, in the store's (transaction id, global position) order. A reader
 * that has never saved one starts at LOG_START. Without `forUpdate` it is a plain read, on a pool or in a session.
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

export async function saveLogCheckpoint(db: PoolClient, name: string, cursor: LogCursor): Promise<void> {
  await db.query(
    `INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position, updated_at)
     VALUES ($1, $2::xid8, $3, now())
     ON CONFLICT (relay_name) DO UPDATE
       SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position, updated_at = now()`,
    [name, cursor.transactionId, cursor.globalPosition],
  );
}
