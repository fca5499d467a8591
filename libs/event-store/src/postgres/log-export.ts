import type { Pool } from 'pg';

/**
 * Which events an export takes. Every bound is optional; absent, the whole log.
 * - `streamTypes`: only these stream types;
 * - `merchantId`: the streams a merchant's requests wrote: every event of a stream where any event's metadata names
 *   the merchant. Events a consumer, a timer or the provider caused (a checkout approved, a capture window expiring)
 *   carry no merchant id of their own, so filtering event by event would cut a charge's life in half;
 * - `recordedFrom` (inclusive) / `recordedBefore` (exclusive): `recorded_at`, so consecutive ranges do not overlap;
 * - `fromPosition` / `toPosition`: global positions, both inclusive.
 */
export interface LogExportFilter {
  streamTypes?: readonly string[];
  merchantId?: string;
  recordedFrom?: Date;
  recordedBefore?: Date;
  fromPosition?: number;
  toPosition?: number;
}

/**
 * How the payload and metadata come: JSON text, or JSON text already made a CSV field (RFC 4180: quoted, quotes
 * doubled). Quoting is a string pass over every payload: done by PostgreSQL on its own core it halves a CSV export's
 * time, done in Node it is most of it.
 */
export type ExportedJsonForm = 'json' | 'csv-field';

/**
 * An event as an export writes it: the payload and metadata as PostgreSQL's own JSON text of the jsonb (no parse and
 * re-serialise per event: that is most of an export's CPU), `recordedAt` as ISO 8601 UTC with the stored microseconds.
 */
export interface ExportedEvent {
  globalPosition: string;
  transactionId: string;
  eventId: string;
  streamId: string;
  streamType: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  /** JSON text, or a CSV field of it (ExportedJsonForm). */
  dataJson: string;
  metadataJson: string;
}

/** Where an export stops: transactions below this id (all finished when the export began), as a decimal string. */
export type LogExportEnd = string;

/**
 * Reads the log for an export, in the store's log order ((transaction id, global position), as readAll), page by page
 * with a keyset on the `events_log_order` index, so memory holds one page whatever the log's size.
 *
 * Unlike readAll, which follows a log that keeps growing, an export has an end fixed when it starts (`exportEnd`: the
 * snapshot's xmin then), so it is the log as it stood, every event of a transaction below it, none committed later;
 * and the rows come as text, since the reader writes them out and does not fold them (see ExportedEvent).
 */
export class PostgresLogExport {
  constructor(private readonly pool: Pool) {}

  /** The end of an export starting now: every transaction below it has finished, none above will be read. */
  async exportEnd(): Promise<LogExportEnd> {
    const { rows } = await this.pool.query<{ end: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS end',
    );
    return rows[0].end;
  }

  /** How many events the export will write (for a progress bar: a full scan when the filter names a merchant). */
  async count(filter: LogExportFilter, end: LogExportEnd): Promise<number> {
    const { where, values } = whereOf(filter, end, ['0', 0]);
    const { rows } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE ${where}`, values);
    return Number(rows[0].n);
  }

  /**
   * The export's events, a page of up to `pageSize` at a time. The next page is asked for while the caller writes
   * the current one, so the database and the writer work at the same time. Pages of a few thousand: larger ones are
   * slower to take in (measured: 2,000 rows about twice as fast per event as 10,000) and leave more garbage.
   */
  async *pages(
    filter: LogExportFilter,
    end: LogExportEnd,
    options: { pageSize?: number; jsonForm?: ExportedJsonForm } = {},
  ): AsyncGenerator<ExportedEvent[]> {
    const { pageSize = 2_000, jsonForm = 'json' } = options;
    // A prefetched page that fails while the caller writes is handled here (not an unhandled rejection) and
    // thrown when awaited.
    const prefetch = (after: [string, number]) => {
      const page = this.page(filter, end, after, pageSize, jsonForm);
      page.catch(() => undefined);
      return page;
    };
    let next = prefetch(['0', 0]);
    for (;;) {
      const page = await next;
      if (page.length === 0) return;
      const last = page[page.length - 1];
      const more = page.length === pageSize;
      next = more ? prefetch([last.transactionId, Number(last.globalPosition)]) : Promise.resolve([]);
      try {
        yield page;
      } finally {
        // A page the caller did not take (it stopped early) is still waited for: no query is left running.
        if (more) await next.catch(() => undefined);
      }
    }
  }

  private async page(
    filter: LogExportFilter,
    end: LogExportEnd,
    after: [string, number],
    pageSize: number,
    jsonForm: ExportedJsonForm,
  ): Promise<ExportedEvent[]> {
    const { where, values } = whereOf(filter, end, after);
    const json = (column: string) =>
      jsonForm === 'csv-field' ? `'"' || replace(${column}::text, '"', '""') || '"'` : `${column}::text`;
    const { rows } = await this.pool.query<ExportedEvent>({
      // No ::text casts: pg hands over bigint and xid8 as strings already, and a per-row cast of xid8 to text costs
      // more than all the other columns together.
      text: `SELECT global_position AS "globalPosition", transaction_id AS "transactionId", event_id AS "eventId", stream_id AS "streamId", stream_type AS "streamType",
                    stream_version AS "streamVersion", event_type AS "type", schema_version AS "schemaVersion",
                    to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "recordedAt",
                    ${json('data')} AS "dataJson", ${json('metadata')} AS "metadataJson"
               FROM events
              WHERE ${where}
              ORDER BY transaction_id, global_position
              LIMIT ${Number(pageSize)}`,
      values,
    });
    return rows;
  }
}

/** The WHERE clause of an export's pages: the keyset after `after`, below `end`, and the filter's bounds. */
function whereOf(filter: LogExportFilter, end: LogExportEnd, after: [string, number]) {
  const values: unknown[] = [after[0], after[1], end];
  const clauses = ['(transaction_id, global_position) > ($1::xid8, $2::bigint)', 'transaction_id < $3::xid8'];
  const bind = (value: unknown) => `$${values.push(value)}`;
  if (filter.streamTypes) clauses.push(`stream_type = ANY(${bind([...filter.streamTypes])}::text[])`);
  if (filter.recordedFrom) clauses.push(`recorded_at >= ${bind(filter.recordedFrom)}::timestamptz`);
  if (filter.recordedBefore) clauses.push(`recorded_at < ${bind(filter.recordedBefore)}::timestamptz`);
  if (filter.fromPosition !== undefined) clauses.push(`global_position >= ${bind(filter.fromPosition)}::bigint`);
  if (filter.toPosition !== undefined) clauses.push(`global_position <= ${bind(filter.toPosition)}::bigint`);
  if (filter.merchantId !== undefined) {
    // One index range per row (the stream's own events, by events_stream_version_unique).
    clauses.push(
      `EXISTS (SELECT 1 FROM events AS own WHERE own.stream_id = events.stream_id
                 AND own.metadata->>'merchantId' = ${bind(filter.merchantId)}::text)`,
    );
  }
  return { where: clauses.join(' AND '), values };
}
