/**
 * The event store's vocabulary. Plain TypeScript: no framework, no I/O.
 *
 * A stream id is `<streamType>:<entityId>` (for example `charge:charge_0193…`); the stream type, the part before the
 * first colon, names the Kafka topic the stream's events are published to.
 */
export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  merchantId?: string;
  idempotencyKey?: string;
  actor?: string;
  traceId?: string;
  [key: string]: unknown;
}

/** What a decider emits. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** An event on its way into the store. */
export interface NewEvent<Type extends string = string, Data = unknown> extends DomainEvent<Type, Data> {
  /** Defaults to a fresh `evt_…` id; pass one to make a retried append detectably the same. */
  eventId?: string;
  /** Version of the payload schema of this event type; defaults to 1. */
  schemaVersion?: number;
  metadata?: EventMetadata;
}

/** An event as stored: immutable, with its place in its stream and in the global log. */
export interface RecordedEvent<Type extends string = string, Data = unknown> extends DomainEvent<Type, Data> {
  eventId: string;
  schemaVersion: number;
  streamId: string;
  streamType: string;
  streamVersion: number;
  /** Position in the global log (identity order). Gaps are normal (rolled-back transactions). */
  globalPosition: number;
  /** The writing transaction's id (xid8, as a decimal string). */
  transactionId: string;
  metadata: EventMetadata;
  recordedAt: Date;
}

/**
 * The expected version of a stream at append time:
 * a number (the version of the last event the caller saw; 0 = the stream must not exist yet),
 * `'no_stream'` (same as 0), `'stream_exists'` (any version ≥ 1) or `'any'` (no check).
 */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendResult {
  /** The stream version after the append: pass it as the next expected version. */
  nextExpectedVersion: number;
  globalPositions: number[];
}

/**
 * A reader's place in the global log. Readers advance in (transactionId, globalPosition) order and only over
 * transactions that are all finished, so an event whose transaction commits late is never skipped.
 */
export interface LogCursor {
  transactionId: string;
  globalPosition: number;
}

export const LOG_START: LogCursor = Object.freeze({ transactionId: '0', globalPosition: 0 });

export interface ReadAllResult {
  events: RecordedEvent[];
  /** Where the next read continues; equal to the input when nothing was read. */
  cursor: LogCursor;
}

export interface ReadAllOptions {
  limit?: number;
  /** Only these stream types (e.g. a relay that publishes one service's streams). */
  streamTypes?: string[];
}

export class InvalidStreamIdError extends Error {
  readonly code = 'invalid_stream_id';
  constructor(streamId: string) {
    super(
      `stream id "${streamId}" must look like "<streamType>:<entityId>" (stream type: lowercase letters, digits, -)`,
    );
    this.name = 'InvalidStreamIdError';
  }
}

const STREAM_ID = /^([a-z][a-z0-9-]{0,62}):(.{1,200})$/;

export function streamTypeOf(streamId: string): string {
  const match = STREAM_ID.exec(streamId);
  if (!match) throw new InvalidStreamIdError(streamId);
  return match[1];
}

export function streamId(streamType: string, entityId: string): string {
  const id = `${streamType}:${entityId}`;
  streamTypeOf(id);
  return id;
}
