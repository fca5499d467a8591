import type { Pool } from 'pg';
import {
  type CanonicalEventFields,
  chainHash,
  checkpointEntry,
  eventContentHash,
  foldHash,
  GENESIS_CHAIN_HASH,
  recordedAtTextSql,
} from '../core/event-chain';
import { latestLogCheckpoint, type LogCheckpoint, readLogCheckpoints } from './event-log-checkpoints';

/**
 * What verifyEventLog found wrong:
 * - `chain_broken`: an event's stored chain_hash is not sha256(its predecessor's chain_hash || its content hash):
 *   the event (its content or its hash) or its predecessor was changed;
 * - `version_gap`: a stream's versions do not run 1, 2, 3… (an event deleted, or renumbered);
 * - `checkpoint_mismatch`: a checkpoint's hash or counts differ from the log's (an event it covers was changed, even
 *   one stored before the chain existed, or the checkpoint was); no stream is named, the hash covers many;
 * - `checkpoint_sequence`: checkpoint numbers do not run 0, 1, 2… or their bounds do not grow (one was removed or
 *   inserted).
 */
export type EventLogViolationKind = 'chain_broken' | 'version_gap' | 'checkpoint_mismatch' | 'checkpoint_sequence';

export interface EventLogViolation {
  kind: EventLogViolationKind;
  /** The event's stream, version and global position. A checkpoint's violation names no stream; its position is the
   * highest the checkpoint covers. */
  streamId: string | null;
  streamVersion: number | null;
  globalPosition: number | null;
  /** The checkpoint, for checkpoint violations. */
  checkpointNumber: number | null;
  /** One line for a person: what differs. */
  detail: string;
}

export interface VerifyEventLogProgress {
  phase: 'chains' | 'checkpoints';
  eventsChecked: number;
  checkpointsChecked: number;
}

export interface VerifyEventLogOptions {
  /** Rows per query (default 2000): memory holds one page, whatever the log's size. */
  batchSize?: number;
  /** Violations kept in the result (default 1000); beyond it they are only counted (violationCount). */
  maxViolations?: number;
  /** Called after each page of events and each checkpoint. */
  onProgress?: (progress: VerifyEventLogProgress) => void;
}

export interface EventLogVerification {
  /** No violation found. */
  ok: boolean;
  /** In the order found: chains stream by stream, then checkpoints by number. At most maxViolations. */
  violations: EventLogViolation[];
  violationCount: number;
  eventsChecked: number;
  streamsChecked: number;
  checkpointsChecked: number;
  /** Events without a chain (stored before migration 0102, or by a build that did not chain while it rolled out). */
  unchainedEvents: number;
  /** Of those, the ones no checkpoint covers yet (protected by nothing until the next checkpoint is written). */
  uncoveredUnchainedEvents: number;
}

/**
 * Recomputes the whole log's integrity from the stored rows: every event's chain hash (stream by stream, in version
 * order, each stream's versions contiguous from 1), then every checkpoint's hash and counts over the events it covers.
 * The hashes are computed here (core/event-chain.ts), not by the database's functions, which an intruder able to edit
 * rows could also replace. Reads in pages (keyset over the stream index for chains; a cursor per checkpoint), so it
 * runs in constant memory on any size of log; the log may keep growing meanwhile.
 *
 * An edited event that still has its old chain hash is named (chain_broken at its stream, version and position); one
 * whose chain was recomputed too breaks its successor's link; a whole stream's tail recomputed, or an event stored
 * before the chain existed edited, changes a checkpoint (checkpoint_mismatch). Only a checkpoint hash kept outside the
 * database shows that the checkpoints were not all recomputed as well.
 */
export async function verifyEventLog(pool: Pool, options: VerifyEventLogOptions = {}): Promise<EventLogVerification> {
  const batchSize = options.batchSize ?? 2000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1`);
  const found = new ViolationList(options.maxViolations ?? 1000);
  const result: EventLogVerification = {
    ok: true,
    violations: [],
    violationCount: 0,
    eventsChecked: 0,
    streamsChecked: 0,
    checkpointsChecked: 0,
    unchainedEvents: 0,
    uncoveredUnchainedEvents: 0,
  };
  const progress = (phase: VerifyEventLogProgress['phase']) =>
    options.onProgress?.({ phase, eventsChecked: result.eventsChecked, checkpointsChecked: result.checkpointsChecked });

  const coveredBelow = BigInt((await latestLogCheckpoint(pool))?.transactionBound ?? '0');
  await verifyChains(pool, batchSize, found, result, coveredBelow, () => progress('chains'));
  await verifyCheckpoints(pool, batchSize, found, result, () => progress('checkpoints'));

  result.violations = found.kept;
  result.violationCount = found.count;
  result.ok = found.count === 0;
  return result;
}

async function verifyChains(
  pool: Pool,
  batchSize: number,
  found: ViolationList,
  result: EventLogVerification,
  coveredBelow: bigint,
  onPage: () => void,
): Promise<void> {
  let previous: EventRow | undefined;
  for (;;) {
    const { rows } = await pool.query<EventRow>({
      name: 'event_log_verify_chains',
      text: CHAIN_PAGE_SQL,
      values: [previous?.stream_id ?? '', previous?.stream_version ?? 0, batchSize],
    });
    for (const row of rows) {
      const sameStream = previous?.stream_id === row.stream_id;
      if (!sameStream) result.streamsChecked++;
      const expectedVersion = sameStream ? previous!.stream_version + 1 : 1;
      if (row.stream_version !== expectedVersion) {
        found.add(
          eventViolation('version_gap', row, `expected version ${expectedVersion}, found ${row.stream_version}`),
        );
      }
      if (row.chain_hash === null) {
        result.unchainedEvents++;
        if (BigInt(row.transaction_id_text) >= coveredBelow) result.uncoveredUnchainedEvents++;
      } else {
        const expected = chainHash(sameStream ? previous!.chain_hash : null, eventContentHash(canonicalFields(row)));
        if (!expected.equals(row.chain_hash)) {
          found.add(
            eventViolation(
              'chain_broken',
              row,
              `stored chain hash ${hex(row.chain_hash)}, recomputed ${hex(expected)} ` +
                `(this event or the one before it in the stream was changed)`,
            ),
          );
        }
      }
      result.eventsChecked++;
      previous = row;
    }
    onPage();
    if (rows.length < batchSize) return;
  }
}

async function verifyCheckpoints(
  pool: Pool,
  batchSize: number,
  found: ViolationList,
  result: EventLogVerification,
  onCheckpoint: () => void,
): Promise<void> {
  let previous: LogCheckpoint | undefined;
  for (;;) {
    const page = await readLogCheckpoints(pool, previous?.checkpointNumber ?? -1, 100);
    for (const checkpoint of page) {
      const expectedNumber = previous ? previous.checkpointNumber + 1 : 0;
      if (checkpoint.checkpointNumber !== expectedNumber) {
        found.add(
          checkpointViolation(
            'checkpoint_sequence',
            checkpoint,
            `expected checkpoint ${expectedNumber}, found ${checkpoint.checkpointNumber}`,
          ),
        );
      }
      const from = previous?.transactionBound ?? '0';
      if (BigInt(checkpoint.transactionBound) <= BigInt(from)) {
        found.add(
          checkpointViolation(
            'checkpoint_sequence',
            checkpoint,
            `bound ${checkpoint.transactionBound} does not follow the previous checkpoint's ${from}`,
          ),
        );
      } else {
        const recomputed = await recomputeCheckpoint(pool, previous, checkpoint.transactionBound, batchSize);
        const differences = [
          !recomputed.logHash.equals(checkpoint.logHash) &&
            `log hash stored ${hex(checkpoint.logHash)}, recomputed ${hex(recomputed.logHash)}`,
          recomputed.eventCount !== checkpoint.eventCount &&
            `event count stored ${checkpoint.eventCount}, recomputed ${recomputed.eventCount}`,
          recomputed.streamCount !== checkpoint.streamCount &&
            `stream count stored ${checkpoint.streamCount}, recomputed ${recomputed.streamCount}`,
          recomputed.lastGlobalPosition !== checkpoint.lastGlobalPosition &&
            `last position stored ${checkpoint.lastGlobalPosition}, recomputed ${recomputed.lastGlobalPosition}`,
        ].filter((d): d is string => typeof d === 'string');
        if (differences.length > 0) {
          found.add(checkpointViolation('checkpoint_mismatch', checkpoint, differences.join('; ')));
        }
      }
      result.checkpointsChecked++;
      // The next one is recomputed from this one as stored: an altered checkpoint shows as itself and its successor
      // (written from the original), an edited event as the one checkpoint covering it, never as every later one.
      previous = checkpoint;
      onCheckpoint();
    }
    if (page.length < 100) return;
  }
}

/**
 * What the checkpoint after `previous` with this bound should hold, from the events (the same definition as
 * event_log_digest in migration 0102, computed here). The entries come through a cursor: the genesis checkpoint may
 * cover every event stored before the chain existed.
 */
async function recomputeCheckpoint(
  pool: Pool,
  previous: LogCheckpoint | undefined,
  bound: string,
  batchSize: number,
): Promise<Pick<LogCheckpoint, 'logHash' | 'eventCount' | 'streamCount' | 'lastGlobalPosition'>> {
  const from = previous?.transactionBound ?? '0';
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const counts = await client.query<{ events: string; new_streams: string; last_position: string | null }>(
      `SELECT count(*) AS events, count(*) FILTER (WHERE stream_version = 1) AS new_streams,
              max(global_position) AS last_position
         FROM events WHERE transaction_id >= $1::xid8 AND transaction_id < $2::xid8`,
      [from, bound],
    );
    await client.query(`DECLARE checkpoint_entries NO SCROLL CURSOR FOR ${checkpointEntriesSql(from, bound)}`);
    let logHash = previous?.logHash ?? GENESIS_CHAIN_HASH;
    for (;;) {
      const { rows } = await client.query<EventRow>(`FETCH ${batchSize} FROM checkpoint_entries`);
      for (const row of rows) {
        const hash = row.chain_hash ?? eventContentHash(canonicalFields(row));
        logHash = foldHash(logHash, checkpointEntry(row.stream_id, row.stream_version, hash));
      }
      if (rows.length < batchSize) break;
    }
    await client.query('COMMIT');
    const [{ events, new_streams, last_position }] = counts.rows;
    const positions = [previous?.lastGlobalPosition, last_position === null ? null : Number(last_position)];
    const covered = positions.filter((p): p is number => p !== null && p !== undefined);
    return {
      logHash,
      eventCount: (previous?.eventCount ?? 0) + Number(events),
      streamCount: (previous?.streamCount ?? 0) + Number(new_streams),
      lastGlobalPosition: covered.length > 0 ? Math.max(...covered) : null,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const EVENT_COLUMNS = `global_position, stream_id, stream_type, stream_version, event_id, event_type, schema_version,
  data::text AS data_text, metadata::text AS metadata_text, ${recordedAtTextSql('recorded_at')} AS recorded_at_text,
  chain_hash, transaction_id::text AS transaction_id_text`;

/** The next page of events in (stream id, version) order: the unique index's order, so a range scan per page. */
const CHAIN_PAGE_SQL = `SELECT ${EVENT_COLUMNS} FROM events
   WHERE (stream_id, stream_version) > ($1::text, $2::int)
   ORDER BY stream_id, stream_version LIMIT $3`;

/**
 * A checkpoint's entries: its events without a chain, and each stream's head below the bound if it moved in the
 * range, ordered by stream id byte by byte, then version. The bounds are xid8 decimals read from the checkpoints
 * table (checked here), inlined because a cursor's query takes no parameters.
 */
function checkpointEntriesSql(from: string, to: string): string {
  for (const bound of [from, to]) if (!/^\d+$/.test(bound)) throw new Error(`not a transaction id: ${bound}`);
  return `SELECT ${EVENT_COLUMNS} FROM events e
           WHERE e.transaction_id >= '${from}'::xid8 AND e.transaction_id < '${to}'::xid8
             AND (e.chain_hash IS NULL OR NOT EXISTS (
                   SELECT 1 FROM events n
                    WHERE n.stream_id = e.stream_id AND n.stream_version = e.stream_version + 1
                      AND n.transaction_id < '${to}'::xid8))
           ORDER BY e.stream_id COLLATE "C", e.stream_version`;
}

interface EventRow {
  global_position: string;
  stream_id: string;
  stream_type: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  schema_version: number;
  data_text: string;
  metadata_text: string;
  recorded_at_text: string;
  chain_hash: Buffer | null;
  transaction_id_text: string;
}

function canonicalFields(row: EventRow): CanonicalEventFields {
  return {
    streamId: row.stream_id,
    streamType: row.stream_type,
    streamVersion: row.stream_version,
    eventId: row.event_id,
    eventType: row.event_type,
    schemaVersion: row.schema_version,
    dataText: row.data_text,
    metadataText: row.metadata_text,
    recordedAtText: row.recorded_at_text,
  };
}

function eventViolation(kind: EventLogViolationKind, row: EventRow, detail: string): EventLogViolation {
  return {
    kind,
    streamId: row.stream_id,
    streamVersion: row.stream_version,
    globalPosition: Number(row.global_position),
    checkpointNumber: null,
    detail,
  };
}

function checkpointViolation(
  kind: EventLogViolationKind,
  checkpoint: LogCheckpoint,
  detail: string,
): EventLogViolation {
  return {
    kind,
    streamId: null,
    streamVersion: null,
    globalPosition: checkpoint.lastGlobalPosition,
    checkpointNumber: checkpoint.checkpointNumber,
    detail,
  };
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex');
}

/** The first `limit` violations, and how many there were. */
class ViolationList {
  readonly kept: EventLogViolation[] = [];
  count = 0;
  constructor(private readonly limit: number) {}
  add(violation: EventLogViolation): void {
    this.count++;
    if (this.kept.length < this.limit) this.kept.push(violation);
  }
}
