import type { ExpectedVersion } from './events';

/** The stream moved on since the caller read it. Callers reload and re-decide, or surface it as a 409. */
export class ConcurrencyError extends Error {
  readonly code = 'concurrency_conflict';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: ExpectedVersion,
    readonly actualVersion: number,
    reason?: string,
  ) {
    super(
      `stream ${streamId}: expected version ${String(expectedVersion)}, found ${actualVersion}` +
        (reason ? ` (${reason})` : ''),
    );
    this.name = 'ConcurrencyError';
  }
}

/** An event id that is already stored: the same append was done before (e.g. a retry after a lost reply). */
export class DuplicateEventError extends Error {
  readonly code = 'duplicate_event';
  constructor(readonly streamId: string) {
    super(`stream ${streamId}: an event with one of these ids is already stored`);
    this.name = 'DuplicateEventError';
  }
}
