/**
 * An aggregate as three pure functions: `evolve` folds an event into state (total, never throws), `decide` turns a
 * command and the current state into new events (throws a DomainError to refuse). The one loop that runs deciders
 * against the event store is `handleCommand` in @payment-ledger/event-store.
 */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  type: Type;
  data: Data;
}

/** An event as read back: its payload in the schema version it was stored under. */
export interface StoredEvent {
  type: string;
  schemaVersion: number;
  data: unknown;
}

export interface Decider<Command, Event extends DomainEvent, State> {
  initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State, now: Date): Event[];
  /** Payload schema version each event type is written at (default 1). */
  schemaVersions?: Partial<Record<Event['type'], number>>;
  /** Turns a stored event, of any schema version, into the current shape (default: as stored). */
  upcast?(event: StoredEvent): Event;
}

export function fold<Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
