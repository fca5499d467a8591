import { createHash } from 'node:crypto';

/**
 * The tamper-evident log's hashing (README, "Hash chain and checkpoints"), in TypeScript. The append statements and
 * checkpoints compute the same values in SQL (migration 0102); verifyEventLog recomputes them here, from the stored
 * columns, so a function replaced in the database cannot vouch for an edited event.
 */

/** What a stream's first event chains from (and an event whose predecessor has no chain, stored before 0102). */
export const GENESIS_CHAIN_HASH: Buffer = Buffer.alloc(32);
/** The same, as a SQL bytea literal. */
export const GENESIS_CHAIN_HASH_SQL = `'\\x${GENESIS_CHAIN_HASH.toString('hex')}'::bytea`;

/**
 * An event's hashed fields, each as PostgreSQL returns it as text: `dataText`/`metadataText` are `data::text` and
 * `metadata::text` of the stored jsonb (jsonb keeps no key order or spacing of its own input, so only its output is
 * stable), `recordedAtText` is RECORDED_AT_TEXT_SQL of the stored timestamp (UTC, to the microsecond a Date lacks).
 */
export interface CanonicalEventFields {
  streamId: string;
  streamType: string;
  streamVersion: number;
  eventId: string;
  eventType: string;
  schemaVersion: number;
  dataText: string;
  metadataText: string;
  recordedAtText: string;
}

/** The SQL expression that gives `recordedAtText` of a timestamptz column `column`. */
export function recordedAtTextSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

const NUL = Buffer.from([0]);

/**
 * The fields' UTF-8 bytes joined by NUL bytes. No PostgreSQL text value holds a NUL (and jsonb's text escapes every
 * control character), so the fields can be told apart again: two different events never share these bytes.
 */
export function canonicalEventContent(event: CanonicalEventFields): Buffer {
  const fields = [
    event.streamId,
    event.streamType,
    String(event.streamVersion),
    event.eventId,
    event.eventType,
    String(event.schemaVersion),
    event.dataText,
    event.metadataText,
    event.recordedAtText,
  ];
  return Buffer.concat(fields.flatMap((field, i) => (i === 0 ? [] : [NUL]).concat(Buffer.from(field, 'utf8'))));
}

/** sha256 of the canonical content (SQL: event_content_hash). */
export function eventContentHash(event: CanonicalEventFields): Buffer {
  return sha256(canonicalEventContent(event));
}

/** One step of a hash chain: sha256(state || item) (SQL: event_hash_fold_step). */
export function foldHash(state: Buffer, item: Buffer): Buffer {
  return createHash('sha256').update(state).update(item).digest();
}

/** An event's chain hash: its predecessor's (GENESIS_CHAIN_HASH when it has none) folded with its content hash. */
export function chainHash(previous: Buffer | null, contentHash: Buffer): Buffer {
  return foldHash(previous ?? GENESIS_CHAIN_HASH, contentHash);
}

/**
 * A checkpoint entry: a stream head's chain hash, or the content hash of an event without a chain, after its stream
 * id and version (NUL-separated; the hash is the last 32 bytes).
 */
export function checkpointEntry(streamId: string, streamVersion: number, hash: Buffer): Buffer {
  return Buffer.concat([Buffer.from(streamId, 'utf8'), NUL, Buffer.from(String(streamVersion), 'utf8'), NUL, hash]);
}

function sha256(bytes: Buffer): Buffer {
  return createHash('sha256').update(bytes).digest();
}
