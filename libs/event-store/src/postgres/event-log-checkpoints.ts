import type { Pool, PoolClient } from 'pg';

/**
 * A checkpoint of the log (table event_log_checkpoints, migration 0102): it covers every event whose transaction id
 * is below `transactionBound`, a safe position (those transactions had all finished when it was written, so what it
 * covers never changes). `logHash` folds, from the previous checkpoint's hash, the heads of the streams that moved
 * since it and every event without a chain; number 0 is the genesis, written by the migration over the events stored
 * before it.
 */
export interface LogCheckpoint {
  checkpointNumber: number;
  /** Decimal xid8: covers the transactions below it. */
  transactionBound: string;
  /** The highest global position covered; null when nothing is. */
  lastGlobalPosition: number | null;
  eventCount: number;
  streamCount: number;
  logHash: Buffer;
  createdAt: Date;
}

/**
 * Records a checkpoint at the current safe position (the bound readAll uses: the snapshot's xmin) in one statement,
 * and returns it. Nothing is written (undefined) when no event was committed below that bound since the last
 * checkpoint, or when a concurrent call wrote the same checkpoint number first (its checkpoint covers the same).
 *
 * Its cost is one scan of the log index over the events since the previous checkpoint (a sort of them by stream, and
 * a lookup of each one's next version): proportional to what was appended since, not to the log's size.
 */
export async function writeLogCheckpoint(pool: Pool | PoolClient): Promise<LogCheckpoint | undefined> {
  try {
    const { rows } = await pool.query<CheckpointRow>({
      name: 'event_log_write_checkpoint',
      text: WRITE_CHECKPOINT_SQL,
    });
    return rows[0] && toLogCheckpoint(rows[0]);
  } catch (error) {
    if ((error as { code?: string }).code === '23505') return undefined;
    throw error;
  }
}

/** The latest checkpoint (the genesis one at least, once migration 0102 ran). */
export async function latestLogCheckpoint(pool: Pool | PoolClient): Promise<LogCheckpoint | undefined> {
  const { rows } = await pool.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM event_log_checkpoints ORDER BY checkpoint_number DESC LIMIT 1`,
  );
  return rows[0] && toLogCheckpoint(rows[0]);
}

/** Checkpoints after `afterNumber` (exclusive), in number order, at most `limit`: verifyEventLog pages with it. */
export async function readLogCheckpoints(
  pool: Pool | PoolClient,
  afterNumber: number,
  limit: number,
): Promise<LogCheckpoint[]> {
  const { rows } = await pool.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM event_log_checkpoints WHERE checkpoint_number > $1
      ORDER BY checkpoint_number LIMIT $2`,
    [afterNumber, limit],
  );
  return rows.map(toLogCheckpoint);
}

const CHECKPOINT_COLUMNS = `checkpoint_number, transaction_bound::text AS transaction_bound_text, last_global_position,
  event_count, stream_count, log_hash, created_at`;

/** event_log_digest (migration 0102) from the previous checkpoint's bound to the safe position now. */
const WRITE_CHECKPOINT_SQL = `
  WITH previous AS (
    SELECT * FROM event_log_checkpoints ORDER BY checkpoint_number DESC LIMIT 1
  ), bound AS (
    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS transaction_bound
  )
  INSERT INTO event_log_checkpoints (checkpoint_number, transaction_bound, last_global_position, event_count,
                                     stream_count, log_hash)
  SELECT previous.checkpoint_number + 1, bound.transaction_bound,
         greatest(previous.last_global_position, digest.last_global_position),
         previous.event_count + digest.event_count, previous.stream_count + digest.new_stream_count, digest.log_hash
    FROM previous, bound,
         LATERAL event_log_digest(previous.log_hash, previous.transaction_bound, bound.transaction_bound) digest
   WHERE bound.transaction_bound > previous.transaction_bound AND digest.event_count > 0
  RETURNING ${CHECKPOINT_COLUMNS}`;

interface CheckpointRow {
  checkpoint_number: number;
  transaction_bound_text: string;
  last_global_position: string | null;
  event_count: string;
  stream_count: string;
  log_hash: Buffer;
  created_at: Date;
}

function toLogCheckpoint(row: CheckpointRow): LogCheckpoint {
  return {
    checkpointNumber: row.checkpoint_number,
    transactionBound: row.transaction_bound_text,
    lastGlobalPosition: row.last_global_position === null ? null : Number(row.last_global_position),
    eventCount: Number(row.event_count),
    streamCount: Number(row.stream_count),
    logHash: row.log_hash,
    createdAt: row.created_at,
  };
}
