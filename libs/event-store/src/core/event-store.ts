import type {
  AppendResult,
  ExpectedVersion,
  LogCursor,
  NewEvent,
  ReadAllOptions,
  ReadAllResult,
  RecordedEvent,
} from './events';

/**
 * The append-only event store port. `Session` is the adapter's handle on an open transaction, so a consumer can
 * append in the same transaction as its inbox row; omit it and each call is its own transaction.
 */
export interface EventStore<Session = unknown> {
  append(
    streamId: string,
    expectedVersion: ExpectedVersion,
    events: NewEvent[],
    session?: Session,
  ): Promise<AppendResult>;
  readStream(streamId: string, fromVersion?: number, session?: Session): Promise<RecordedEvent[]>;
  readAll(after: LogCursor, options?: ReadAllOptions): Promise<ReadAllResult>;
}
