import type { IHeaders, Message } from 'kafkajs';
import type { EventMetadata, RecordedEvent } from '@payment-ledger/event-store';
import type { LogContext } from '@payment-ledger/platform';

/**
 * The wire form of a stored event on Kafka: the value is the JSON of the event (payload and its place in the log),
 * the key is the stream id, and the headers repeat what a router needs without parsing the value.
 */
export interface EventEnvelope {
  eventId: string;
  type: string;
  schemaVersion: number;
  streamId: string;
  streamType: string;
  streamVersion: number;
  globalPosition: number;
  recordedAt: string;
  data: unknown;
  metadata: EventMetadata;
}

export const HEADER = {
  eventId: 'event-id',
  eventType: 'event-type',
  schemaVersion: 'schema-version',
  streamId: 'stream-id',
  streamVersion: 'stream-version',
  correlationId: 'correlation-id',
  causationId: 'causation-id',
  contentType: 'content-type',
} as const;

export function toKafkaMessage(event: RecordedEvent): Message {
  const envelope: EventEnvelope = {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    streamId: event.streamId,
    streamType: event.streamType,
    streamVersion: event.streamVersion,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
  const headers: IHeaders = {
    [HEADER.eventId]: event.eventId,
    [HEADER.eventType]: event.type,
    [HEADER.schemaVersion]: String(event.schemaVersion),
    [HEADER.streamId]: event.streamId,
    [HEADER.streamVersion]: String(event.streamVersion),
    [HEADER.contentType]: 'application/json',
  };
  if (typeof event.metadata.correlationId === 'string') headers[HEADER.correlationId] = event.metadata.correlationId;
  if (typeof event.metadata.causationId === 'string') headers[HEADER.causationId] = event.metadata.causationId;
  return { key: event.streamId, value: JSON.stringify(envelope), headers };
}

/**
 * The log context of work done because of `event` (a consumer's handler, later a webhook delivery): the event's
 * correlation id, and the event itself as the causation of whatever that work logs, commands or appends.
 */
export function eventLogContext(event: Pick<EventEnvelope, 'eventId' | 'metadata'>): LogContext {
  return {
    ...(typeof event.metadata.correlationId === 'string' ? { correlationId: event.metadata.correlationId } : {}),
    causationId: event.eventId,
    eventId: event.eventId,
  };
}

export class MalformedMessageError extends Error {
  readonly code = 'malformed_message';
}

export function headerString(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** Parses a consumed message; throws MalformedMessageError for anything that is not one of our envelopes. */
export function fromKafkaMessage(value: Buffer | null): EventEnvelope {
  if (!value) throw new MalformedMessageError('message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    throw new MalformedMessageError('message value is not JSON');
  }
  const e = parsed as Partial<EventEnvelope>;
  if (
    typeof e !== 'object' ||
    e === null ||
    typeof e.eventId !== 'string' ||
    typeof e.type !== 'string' ||
    typeof e.streamId !== 'string' ||
    typeof e.streamVersion !== 'number' ||
    typeof e.schemaVersion !== 'number'
  ) {
    throw new MalformedMessageError('message value is not an event envelope');
  }
  return { metadata: {}, ...e } as EventEnvelope;
}
