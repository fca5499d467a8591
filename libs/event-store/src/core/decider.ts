import type { DomainEvent, EventMetadata, NewEvent, RecordedEvent } from './events';
import { ConcurrencyError } from './errors';
import type { EventStore } from './event-store';

/**
 * An aggregate as three pure functions: `evolve` folds an event into state (total, never throws), `decide` turns a
 * command and the current state into new events (throws a DomainError to refuse).
 */
export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, now: Date): Event[];
  /** Payload schema version of each event type this decider writes (default 1). */
  schemaVersions?: Partial<Record<Event['type'], number>>;
  /** Turns a stored event of an older schema into the current shape (default: as stored). */
  upcast?(event: RecordedEvent): Event;
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

export interface HandleCommandOptions<Session> {
  /** Clock reading passed to `decide`. */
  now: () => Date;
  metadata?: EventMetadata;
  /** How many times to reload and re-decide after a concurrency error (default 5). */
  maxRetries?: number;
  /**
   * An open transaction to work in. A failed append aborts that transaction, so with a session there is no retry
   * here: the owner of the transaction retries the whole unit of work.
   */
  session?: Session;
}

export interface CommandResult<Event, State> {
  /** State after the new events. */
  state: State;
  newEvents: Event[];
  /** Stream version after the command (unchanged when the command produced no events). */
  version: number;
}

/**
 * The one command-handling loop: read the stream, fold, decide, append with the expected version; on a
 * concurrency error, start over from the read (at most `maxRetries` times, then the error is the caller's).
 */
export async function handleCommand<Command, Event extends DomainEvent, State, Session = unknown>(
  store: EventStore<Session>,
  streamId: string,
  decider: Decider<Command, Event, State>,
  command: Command,
  options: HandleCommandOptions<Session>,
): Promise<CommandResult<Event, State>> {
  const maxRetries = options.session !== undefined ? 0 : (options.maxRetries ?? 5);
  for (let attempt = 0; ; attempt++) {
    const recorded = await store.readStream(streamId, 1, options.session);
    const history = recorded.map((e) => (decider.upcast ? decider.upcast(e) : (e as unknown as Event)));
    const state = fold(decider, history);
    const version = recorded.length === 0 ? 0 : recorded[recorded.length - 1].streamVersion;
    const newEvents = decider.decide(command, state, options.now());
    if (newEvents.length === 0) return { state, newEvents, version };
    const toAppend: NewEvent[] = newEvents.map((e) => ({
      type: e.type,
      data: e.data,
      schemaVersion: decider.schemaVersions?.[e.type as Event['type']] ?? 1,
      metadata: options.metadata,
    }));
    try {
      const result = await store.append(streamId, version, toAppend, options.session);
      return { state: newEvents.reduce(decider.evolve, state), newEvents, version: result.nextExpectedVersion };
    } catch (error) {
      if (error instanceof ConcurrencyError && attempt < maxRetries) continue;
      throw error;
    }
  }
}
