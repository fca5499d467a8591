import type { Pool, PoolClient } from 'pg';
import { newId } from '@payment-ledger/contracts';
import { ConcurrencyError, DuplicateEventError } from '../core/errors';
import type { EventStore } from '../core/event-store';
import {
  type AppendResult,
  type ExpectedVersion,
  type LogCursor,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllResult,
  type RecordedEvent,
  streamTypeOf,
} from '../core/events';

/**
 * PostgreSQL adapter of the event store: one `events` table (migration 0100).
 *
 * append is a single INSERT … SELECT that checks the expected version in the same statement, so a command costs
 * one round trip; the unique (stream_id, stream_version) constraint turns a lost race into a ConcurrencyError.
 *
 * readAll orders by (transaction_id, global_position) and returns only rows whose transaction id is below the
 * xmin of the current snapshot, i.e. rows of transactions that are all finished. Ordering by global position alone
 * is not safe: identity values are handed out before commit, so a lower position can become visible after a higher
 * one and a position-based reader would step over it. Within one stream the order is still the version order:
 * append refuses (as a concurrency conflict) to write after an event whose transaction id is higher than its own,
 * which can only happen to a long transaction that got its id before the previous event committed.
 */
export class PostgresEventStore implements EventStore<PoolClient> {
  constructor(private readonly pool: Pool) {}

  async append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: NewEvent[],
    session?: PoolClient,
  ): Promise<AppendResult> {
    const streamType = streamTypeOf(streamId);
    if (events.length === 0) throw new RangeError('append needs at least one event');
    const expected = expectedVersion === 'no_stream' ? 0 : expectedVersion;
    if (typeof expected === 'number' && (!Number.isInteger(expected) || expected < 0)) {
      throw new RangeError(`expected version must be an integer >= 0, got ${expected}`);
    }
    const ids = events.map((e) => e.eventId ?? newId('event'));
    const params = [
      streamId,
      streamType,
      ids,
      events.map((e) => e.type),
      events.map((e) => e.schemaVersion ?? 1),
      events.map((e) => JSON.stringify(e.data ?? null)),
      events.map((e) => JSON.stringify(e.metadata ?? {})),
      typeof expected === 'number' ? expected : null,
      expected === 'stream_exists',
    ];
    const db = session ?? this.pool;
    let rows: { global_position: string; stream_version: number }[];
    try {
      rows = (await db.query({ name: 'event_store_append', text: APPEND_SQL, values: params })).rows;
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string };
      if (pgError.code === '23505' && pgError.constraint === 'events_stream_version_unique') {
        if (expected === 'any' && !session) return this.append(streamId, 'any', events);
        throw new ConcurrencyError(streamId, expectedVersion, await this.currentVersion(streamId), 'lost a race');
      }
      if (pgError.code === '23505' && pgError.constraint === 'events_event_id_unique') {
        throw new DuplicateEventError(streamId);
      }
      throw error;
    }
    if (rows.length === 0) {
      const actual = await this.currentVersion(streamId, session);
      throw new ConcurrencyError(
        streamId,
        expectedVersion,
        actual,
        expected === 'stream_exists'
          ? 'stream does not exist'
          : actual === expected
            ? 'transaction is older than the stream head'
            : undefined,
      );
    }
    rows.sort((a, b) => a.stream_version - b.stream_version);
    return {
      nextExpectedVersion: rows[rows.length - 1].stream_version,
      globalPositions: rows.map((r) => Number(r.global_position)),
    };
  }

  async readStream(streamId: string, fromVersion = 1, session?: PoolClient): Promise<RecordedEvent[]> {
    const db = session ?? this.pool;
    const { rows } = await db.query<EventRow>({
      name: 'event_store_read_stream',
      text: `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
      values: [streamId, fromVersion],
    });
    return rows.map(toRecordedEvent);
  }

  async readAll(after: LogCursor, options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const limit = options.limit ?? 1000;
    const filtered = options.streamTypes !== undefined;
    const { rows } = await this.pool.query<EventRow>({
      name: filtered ? 'event_store_read_all_types' : 'event_store_read_all',
      text: readAllSql(filtered),
      values: filtered
        ? [after.transactionId, after.globalPosition, limit, options.streamTypes]
        : [after.transactionId, after.globalPosition, limit],
    });
    const events = rows.map(toRecordedEvent);
    const last = events[events.length - 1];
    return {
      events,
      cursor: last ? { transactionId: last.transactionId, globalPosition: last.globalPosition } : after,
    };
  }

  /** The stream's version: 0 when it does not exist. */
  async currentVersion(streamId: string, session?: PoolClient): Promise<number> {
    const { rows } = await (session ?? this.pool).query<{ v: number }>(
      'SELECT coalesce(max(stream_version), 0)::int AS v FROM events WHERE stream_id = $1',
      [streamId],
    );
    return rows[0].v;
  }
}

/** The global-log read ($1 transaction id, $2 position, $3 limit[, $4 stream types]); exported for its plan test. */
export function readAllSql(filtered: boolean): string {
  return `SELECT ${COLUMNS} FROM events
           WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             AND (transaction_id, global_position) > ($1::xid8, $2::bigint)
             ${filtered ? 'AND stream_type = ANY($4::text[])' : ''}
           ORDER BY events.transaction_id, events.global_position
           LIMIT $3`;
}

const APPEND_SQL = `
  WITH head AS (
    SELECT stream_version, transaction_id FROM events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1
  ), guard AS (
    SELECT coalesce((SELECT stream_version FROM head), 0) AS version,
           coalesce((SELECT transaction_id FROM head), '0'::xid8) AS head_tx
  )
  INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata)
  SELECT $1, $2, guard.version + e.ord, e.event_id, e.event_type, e.schema_version, e.data, e.metadata
    FROM guard,
         unnest($3::text[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[])
           WITH ORDINALITY AS e(event_id, event_type, schema_version, data, metadata, ord)
   WHERE ($8::int IS NULL OR guard.version = $8::int)
     AND (NOT $9::boolean OR guard.version > 0)
     AND guard.head_tx < pg_current_xact_id()
  RETURNING global_position, stream_version`;

// The text form of the transaction id gets a name of its own: were it aliased `transaction_id`, an ORDER BY
// transaction_id would sort by the text (so '10' < '9', breaking the log order, and with a sort instead of the index).
const COLUMNS = `global_position, stream_id, stream_type, stream_version, event_id, event_type, schema_version,
  data, metadata, recorded_at, transaction_id::text AS transaction_id_text`;

interface EventRow {
  global_position: string;
  stream_id: string;
  stream_type: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
  transaction_id_text: string;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    globalPosition: Number(row.global_position),
    transactionId: row.transaction_id_text,
    streamId: row.stream_id,
    streamType: row.stream_type,
    streamVersion: row.stream_version,
    eventId: row.event_id,
    type: row.event_type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}
