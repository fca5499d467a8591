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

/** A decider refused a command. Subclasses carry a stable machine-readable code (`amount_exceeds_authorized`). */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** HTTP-ish class of the refusal: 409 for a state conflict, 400/422 for a bad command. */
  readonly status: number = 409;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A command refused for what it asks (a rule of the request, not the current state): HTTP 400 with a field. */
export class RequestRejected extends DomainError {
  override readonly status: number = 400;
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
