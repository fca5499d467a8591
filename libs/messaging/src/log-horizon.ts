import type { Pool } from 'pg';

/**
 * How far a reader of the event log must get to have seen every event committed so far, and whether it can yet:
 * what read-your-writes for a read model waits on (ProjectionRunner.catchUpWithCommitted).
 *
 * The store's log read (PostgresEventStore.readAll) passes only events whose transaction id is below the xmin of
 * the reading statement's snapshot (every transaction below it has finished), so a late commit is never stepped
 * over. An event committed before now is therefore read by a log read that starts once xmin is past the newest
 * committed event's transaction id, and not necessarily by one that starts earlier: a transaction that took an
 * older id may still be running (its events would come first), and until it ends the log stops short of it.
 *
 * SQL, like log-checkpoints.ts: it runs on every list that asks for read-your-writes, one statement each, on the
 * `events` table's log-order indexes (the newest transaction id of a stream type is one backward index step).
 */
export interface LogHorizon {
  /** The transaction id of the newest committed event of the stream types asked about (null: there is none). */
  lastCommitted: string | null;
  /** Whether a log read starting now passes it (every transaction up to it has finished). */
  readable: boolean;
}

/** The horizon of the whole log, or of the given stream types' events only (a projection's). */
export async function readLogHorizon(db: Pool, streamTypes?: readonly string[]): Promise<LogHorizon> {
  // Both from one statement's snapshot: the newest event it sees, and that snapshot's xmin.
  const { rows } = await db.query<{ last_committed: string | null; readable: boolean }>(
    streamTypes
      ? {
          name: 'log_horizon_types',
          text: `SELECT h.last::text AS last_committed,
                        (h.last IS NULL OR h.last < pg_snapshot_xmin(pg_current_snapshot())) AS readable
                   FROM (SELECT max((SELECT max(e.transaction_id) FROM events e WHERE e.stream_type = t.stream_type))
                                AS last
                           FROM unnest($1::text[]) AS t(stream_type)) h`,
          values: [[...streamTypes]],
        }
      : {
          name: 'log_horizon',
          text: `SELECT h.last::text AS last_committed,
                        (h.last IS NULL OR h.last < pg_snapshot_xmin(pg_current_snapshot())) AS readable
                   FROM (SELECT max(transaction_id) AS last FROM events) h`,
        },
  );
  return { lastCommitted: rows[0].last_committed, readable: rows[0].readable };
}

/** Whether a log read starting now passes the transaction `transactionId` (a horizon's lastCommitted). */
export async function isLogReadableUpTo(db: Pool, transactionId: string): Promise<boolean> {
  const { rows } = await db.query<{ readable: boolean }>({
    name: 'log_readable_up_to',
    text: 'SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS readable',
    values: [transactionId],
  });
  return rows[0].readable;
}
