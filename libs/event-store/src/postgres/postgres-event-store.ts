import type { Pool, PoolClient } from 'pg';
import { newId } from '@payment-ledger/contracts';
import { eventsAppended } from '@payment-ledger/platform';
import { GENESIS_CHAIN_HASH_SQL } from '../core/event-chain';
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
import { type CoalescerOptions, RequestCoalescer, type Settled, settle } from '../core/request-coalescer';

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
 *
 * Appends and stream reads made outside a transaction are coalesced (see RequestCoalescer): while a few
 * statements are running, the calls that arrive meanwhile go together as one statement: one multi-stream append
 * that checks each stream's expected version on its own, or one multi-stream read. A quiet store sends each call
 * alone, as before. A batched append that cannot be taken whole (a lost race, a duplicate event id, any error)
 * writes nothing, and each of its calls is then made on its own, so every caller sees exactly the outcome, and
 * the error, a lone append would have given it.
 */
export class PostgresEventStore implements EventStore<PoolClient> {
  private readonly appends?: RequestCoalescer<PendingAppend, AppendResult>;
  private readonly reads?: RequestCoalescer<PendingRead, RecordedEvent[]>;

  constructor(
    private readonly pool: Pool,
    options: { coalesce?: CoalescerOptions | false } = {},
  ) {
    const coalesce = options.coalesce ?? DEFAULT_COALESCING;
    if (coalesce) {
      this.appends = new RequestCoalescer(
        coalesce,
        (batch) => this.appendBatch(batch),
        (a) => a.streamId,
      );
      this.reads = new RequestCoalescer(coalesce, (batch) => this.readBatch(batch));
    }
  }

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
    const pending: PendingAppend = {
      streamId,
      streamType,
      expectedVersion,
      events: events.map((e) => ({ ...e, eventId: e.eventId ?? newId('event') })),
    };
    const result = await (session || !this.appends ? this.appendAlone(pending, session) : this.appends.submit(pending));
    // In a caller's transaction that later rolls back, the events still count: the metric is of appends made.
    eventsAppended.inc({ stream_type: streamType }, events.length);
    return result;
  }

  private async appendAlone(pending: PendingAppend, session?: PoolClient): Promise<AppendResult> {
    const { streamId, streamType, expectedVersion, events } = pending;
    const expected = expectedVersion === 'no_stream' ? 0 : expectedVersion;
    const params = [
      streamId,
      streamType,
      events.map((e) => e.eventId),
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
      const statement = events.length === 1 ? APPEND_ONE : APPEND_MANY;
      rows = (await db.query({ ...statement, values: params })).rows;
    } catch (error) {
      const pgError = error as { code?: string; constraint?: string };
      if (pgError.code === '23505' && pgError.constraint === 'events_stream_version_unique') {
        if (expected === 'any' && !session) return this.appendAlone(pending); // 'any' takes the new head
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
    return appendResultOf(rows);
  }

  /**
   * Several streams' appends (one per stream) in one statement. Each stream's expected version is checked on its
   * own; a stream whose check fails gets no rows and is appended alone (giving its caller the usual answer).
   */
  private async appendBatch(batch: PendingAppend[]): Promise<Settled<AppendResult>[]> {
    if (batch.length === 1) return [await settle(this.appendAlone(batch[0]))];
    const expectations = batch.map((a) => (a.expectedVersion === 'no_stream' ? 0 : a.expectedVersion));
    const events = batch.flatMap((a, i) => a.events.map((e, ord) => ({ request: i + 1, ord: ord + 1, event: e })));
    let rows: { stream_id: string; global_position: string; stream_version: number }[];
    try {
      rows = (
        await this.pool.query({
          ...(batch.every((a) => a.events.length === 1) ? APPEND_BATCH_ONE_EACH : APPEND_BATCH_MANY),
          values: [
            batch.map((a) => a.streamId),
            batch.map((a) => a.streamType),
            expectations.map((e) => (typeof e === 'number' ? e : null)),
            expectations.map((e) => e === 'stream_exists'),
            events.map((e) => e.request),
            events.map((e) => e.ord),
            events.map((e) => e.event.eventId),
            events.map((e) => e.event.type),
            events.map((e) => e.event.schemaVersion ?? 1),
            events.map((e) => JSON.stringify(e.event.data ?? null)),
            events.map((e) => JSON.stringify(e.event.metadata ?? {})),
          ],
        })
      ).rows;
    } catch {
      // Nothing was written: each append on its own says what is wrong with it, if anything.
      return Promise.all(batch.map((a) => settle(this.appendAlone(a))));
    }
    const byStream = new Map<string, typeof rows>();
    for (const row of rows) byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
    return Promise.all(
      batch.map((a) => {
        const written = byStream.get(a.streamId);
        return written ? settle(Promise.resolve(appendResultOf(written))) : settle(this.appendAlone(a));
      }),
    );
  }

  async readStream(streamId: string, fromVersion = 1, session?: PoolClient): Promise<RecordedEvent[]> {
    if (!session && this.reads) return this.reads.submit({ streamId, fromVersion });
    return this.readAlone(streamId, fromVersion, session);
  }

  private async readAlone(streamId: string, fromVersion: number, session?: PoolClient): Promise<RecordedEvent[]> {
    const db = session ?? this.pool;
    const { rows } = await db.query<EventRow>({
      name: 'event_store_read_stream',
      text: `SELECT ${COLUMNS} FROM events WHERE stream_id = $1 AND stream_version >= $2 ORDER BY stream_version`,
      values: [streamId, fromVersion],
    });
    return rows.map(toRecordedEvent);
  }

  /** Several streams read in one statement, each from its own version. */
  private async readBatch(batch: PendingRead[]): Promise<Settled<RecordedEvent[]>[]> {
    if (batch.length === 1) return [await settle(this.readAlone(batch[0].streamId, batch[0].fromVersion))];
    const { rows } = await this.pool.query<EventRow & { request: string }>({
      name: 'event_store_read_streams',
      // One index range scan per stream. The planner would flatten a plain LATERAL into a join and, with the
      // statistics of a young table, hash the whole table; OFFSET 0 keeps the subquery a per-stream lookup.
      text: `SELECT r.request, e.*
               FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS r(stream_id, from_version, request)
              CROSS JOIN LATERAL (
                SELECT ${COLUMNS} FROM events
                 WHERE events.stream_id = r.stream_id AND events.stream_version >= r.from_version
                OFFSET 0
              ) e
              ORDER BY r.request, e.stream_version`,
      values: [batch.map((r) => r.streamId), batch.map((r) => r.fromVersion)],
    });
    const results: RecordedEvent[][] = batch.map(() => []);
    for (const row of rows) results[Number(row.request) - 1].push(toRecordedEvent(row));
    return results.map((value) => ({ ok: true, value }));
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

  /**
   * How many events of these stream types (default: all) lie past `after`, counting at most `limit` (a reader's lag:
   * the relay's, when Prometheus scrapes). The same index range as readAll, without the safe-position bound: an
   * event still being committed is behind too.
   */
  async countAfter(after: LogCursor, options: { streamTypes?: string[]; limit: number }): Promise<number> {
    const filtered = options.streamTypes !== undefined;
    const { rows } = await this.pool.query<{ n: number }>({
      name: filtered ? 'event_store_count_after_types' : 'event_store_count_after',
      text: `SELECT count(*)::int AS n FROM (
               SELECT 1 FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
               ${filtered ? 'AND stream_type = ANY($4::text[])' : ''} LIMIT $3) behind`,
      values: filtered
        ? [after.transactionId, after.globalPosition, options.limit, options.streamTypes]
        : [after.transactionId, after.globalPosition, options.limit],
    });
    return rows[0].n;
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

/**
 * The single-stream append ($1 stream id, $2 type, $3..$7 the events, $8 expected version or null, $9 must exist).
 * Each event's chain_hash is computed here, in the statement that writes it: a running event_hash_fold over the
 * events' content hashes seeded with the head's chain_hash (migration 0102), so it costs no round trip and no lock
 * beyond the stream's own. recorded_at is set once per row in new_event (a CTE with a volatile function is computed
 * once, not inlined), so the hashed time is the stored one.
 */
function appendSql(oneEvent: boolean): string {
  return `
  WITH head AS (
    SELECT stream_version, transaction_id, chain_hash FROM events
     WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1
  ), guard AS (
    SELECT coalesce((SELECT stream_version FROM head), 0) AS version,
           coalesce((SELECT transaction_id FROM head), '0'::xid8) AS head_tx,
           coalesce((SELECT chain_hash FROM head), ${GENESIS_CHAIN_HASH_SQL}) AS head_chain
  ), new_event AS (
    SELECT (guard.version + e.ord)::int AS stream_version, e.event_id, e.event_type, e.schema_version, e.data,
           e.metadata, e.ord, guard.head_chain, clock_timestamp() AS recorded_at
      FROM guard,
           unnest($3::text[], $4::text[], $5::int[], $6::jsonb[], $7::jsonb[])
             WITH ORDINALITY AS e(event_id, event_type, schema_version, data, metadata, ord)
     WHERE ($8::int IS NULL OR guard.version = $8::int)
       AND (NOT $9::boolean OR guard.version > 0)
       AND guard.head_tx < pg_current_xact_id()
  )
  INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata,
                      recorded_at, chain_hash)
  SELECT $1, $2, n.stream_version, n.event_id, n.event_type, n.schema_version, n.data, n.metadata, n.recorded_at,
         ${chainHashSql(
           oneEvent,
           'n.head_chain',
           `event_content_hash($1::text, $2::text, n.stream_version, n.event_id, n.event_type, n.schema_version,
                               n.data, n.metadata, n.recorded_at)`,
           'ORDER BY n.ord',
         )}
    FROM new_event n
  RETURNING global_position, stream_version`;
}

const APPEND_ONE = { name: 'event_store_append', text: appendSql(true) };
const APPEND_MANY = { name: 'event_store_append_many', text: appendSql(false) };

/**
 * An event's chain hash in an append statement: the running event_hash_fold over the append's events (one stream's,
 * in `window` order), seeded with the stream head's chain hash. For an append of one event per stream (most of them)
 * that fold is one step, written out as sha256(seed || content hash): a window and a PL/pgSQL call per event cost
 * the append about a sixth of its throughput at 16 writers (bench:event-store).
 */
function chainHashSql(oneEvent: boolean, seed: string, contentHash: string, window: string): string {
  return oneEvent ? `sha256(${seed} || ${contentHash})` : `event_hash_fold(${seed}, ${contentHash}) OVER (${window})`;
}

// The text form of the transaction id gets a name of its own: were it aliased `transaction_id`, an ORDER BY
// transaction_id would sort by the text (so '10' < '9', breaking the log order, and with a sort instead of the index).
const COLUMNS = `global_position, stream_id, stream_type, stream_version, event_id, event_type, schema_version,
  data, metadata, recorded_at, transaction_id::text AS transaction_id_text`;

/**
 * The multi-stream append: $1..$4 one entry per stream (id, type, expected version or null, must exist), $5..$11
 * one per event (its stream's 1-based place in $1, its place within that stream's events, then the event). The
 * same guards as the single-stream append, stream by stream; rows are inserted in event order, so positions follow versions. Each
 * stream's events chain from its own head (the window is partitioned by stream), so streams chain independently.
 */
function appendBatchSql(oneEventEach: boolean): string {
  return `
  WITH request AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::boolean[])
             WITH ORDINALITY AS r(stream_id, stream_type, expected, must_exist, request)
  ), accepted AS (
    SELECT request.request, request.stream_id, request.stream_type, coalesce(head.stream_version, 0) AS version,
           coalesce(head.chain_hash, ${GENESIS_CHAIN_HASH_SQL}) AS head_chain
      FROM request
      LEFT JOIN LATERAL (
        SELECT stream_version, transaction_id, chain_hash FROM events
         WHERE events.stream_id = request.stream_id ORDER BY stream_version DESC LIMIT 1
      ) head ON true
     WHERE (request.expected IS NULL OR coalesce(head.stream_version, 0) = request.expected)
       AND (NOT request.must_exist OR head.stream_version IS NOT NULL)
       AND coalesce(head.transaction_id, '0'::xid8) < pg_current_xact_id()
  ), new_event AS (
    SELECT accepted.request, accepted.stream_id, accepted.stream_type,
           (accepted.version + e.ord)::int AS stream_version, e.event_id, e.event_type, e.schema_version, e.data,
           e.metadata, e.ord, e.n, accepted.head_chain, clock_timestamp() AS recorded_at
      FROM unnest($5::int[], $6::int[], $7::text[], $8::text[], $9::int[], $10::jsonb[], $11::jsonb[])
             WITH ORDINALITY AS e(request, ord, event_id, event_type, schema_version, data, metadata, n)
      JOIN accepted ON accepted.request = e.request
  )
  INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, schema_version, data, metadata,
                      recorded_at, chain_hash)
  SELECT n.stream_id, n.stream_type, n.stream_version, n.event_id, n.event_type, n.schema_version, n.data,
         n.metadata, n.recorded_at,
         ${chainHashSql(
           oneEventEach,
           'n.head_chain',
           `event_content_hash(n.stream_id, n.stream_type, n.stream_version, n.event_id, n.event_type,
                               n.schema_version, n.data, n.metadata, n.recorded_at)`,
           'PARTITION BY n.request ORDER BY n.ord',
         )}
    FROM new_event n
   ORDER BY n.n
  RETURNING stream_id, global_position, stream_version`;
}

const APPEND_BATCH_ONE_EACH = { name: 'event_store_append_batch', text: appendBatchSql(true) };
const APPEND_BATCH_MANY = { name: 'event_store_append_batch_many', text: appendBatchSql(false) };

/** Up to 4 statements of a kind at once; the calls arriving meanwhile (up to 64) go together in the next one. */
const DEFAULT_COALESCING: CoalescerOptions = { maxInFlight: 4, maxBatch: 64 };

interface PendingAppend {
  streamId: string;
  streamType: string;
  expectedVersion: ExpectedVersion;
  events: (NewEvent & { eventId: string })[];
}

interface PendingRead {
  streamId: string;
  fromVersion: number;
}

function appendResultOf(rows: { global_position: string; stream_version: number }[]): AppendResult {
  rows.sort((a, b) => a.stream_version - b.stream_version);
  return {
    nextExpectedVersion: rows[rows.length - 1].stream_version,
    globalPositions: rows.map((r) => Number(r.global_position)),
  };
}

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
