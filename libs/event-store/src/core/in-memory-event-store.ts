import { newId } from '@payment-ledger/contracts';
import { ConcurrencyError } from './errors';
import type { EventStore } from './event-store';
import {
  type AppendResult,
  type ExpectedVersion,
  type LogCursor,
  type NewEvent,
  type ReadAllOptions,
  type ReadAllResult,
  type RecordedEvent,
  streamTypeOf,
} from './events';

/**
 * The event store contract in memory, for unit tests of pure logic (deciders, the command loop). Integration tests
 * use the PostgreSQL store. `beforeAppend` lets a test inject a competing writer between read and append.
 */
export class InMemoryEventStore implements EventStore<never> {
  private readonly log: RecordedEvent[] = [];
  beforeAppend?: (streamId: string) => Promise<void> | void;

  async append(streamId: string, expectedVersion: ExpectedVersion, events: NewEvent[]): Promise<AppendResult> {
    const streamType = streamTypeOf(streamId);
    await this.beforeAppend?.(streamId);
    const current = this.version(streamId);
    const expected = expectedVersion === 'no_stream' ? 0 : expectedVersion;
    const ok =
      expected === 'any' ||
      (expected === 'stream_exists' ? current > 0 : typeof expected === 'number' && current === expected);
    if (!ok) throw new ConcurrencyError(streamId, expectedVersion, current);
    const positions = events.map((e, i) => {
      const globalPosition = this.log.length + 1;
      this.log.push({
        eventId: e.eventId ?? newId('event'),
        type: e.type,
        data: structuredClone(e.data),
        schemaVersion: e.schemaVersion ?? 1,
        metadata: e.metadata ?? {},
        streamId,
        streamType,
        streamVersion: current + i + 1,
        globalPosition,
        transactionId: String(globalPosition),
        recordedAt: new Date(0),
      });
      return globalPosition;
    });
    return { nextExpectedVersion: current + events.length, globalPositions: positions };
  }

  async readStream(streamId: string, fromVersion = 1): Promise<RecordedEvent[]> {
    return this.log.filter((e) => e.streamId === streamId && e.streamVersion >= fromVersion);
  }

  async readAll(after: LogCursor, options: ReadAllOptions = {}): Promise<ReadAllResult> {
    const events = this.log
      .filter((e) => e.globalPosition > after.globalPosition)
      .filter((e) => !options.streamTypes || options.streamTypes.includes(e.streamType))
      .slice(0, options.limit ?? 1000);
    const last = events.at(-1);
    return {
      events,
      cursor: last ? { transactionId: last.transactionId, globalPosition: last.globalPosition } : after,
    };
  }

  version(streamId: string): number {
    return this.log.filter((e) => e.streamId === streamId).length;
  }
}
