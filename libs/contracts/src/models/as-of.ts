import type { StoredEventLike } from '../events/event-contract';

/** A stored event with, where the reader has them, its stream version and commit time (from the event store). */
export type StoredStreamEvent = StoredEventLike & { streamVersion?: number; recordedAt?: Date | string };

export interface AsOf {
  /** Fold events up to and including this stream version (default: all). */
  upToVersion?: number;
  /** Fold only events recorded at or before this instant (needs `recordedAt` on the events). */
  recordedBy?: Date;
}

/**
 * Every public model's "as of": parses each stored event (checked and upcast; a type this build does not know is
 * passed over, one that breaks its contract throws MalformedEvent) and folds the stream up to a version or an instant.
 */
export function foldAsOf<Event, State>(
  model: {
    initialState: State;
    evolve(state: State, event: Event): State;
    parse(stored: StoredEventLike): Event | null;
  },
  events: Iterable<StoredStreamEvent>,
  asOf: AsOf = {},
): State {
  const { upToVersion = Infinity } = asOf;
  const until = asOf.recordedBy?.getTime() ?? Infinity;
  let state = model.initialState;
  let position = 0;
  for (const stored of events) {
    position += 1;
    if ((stored.streamVersion ?? position) > upToVersion) break;
    if (stored.recordedAt !== undefined && new Date(stored.recordedAt).getTime() > until) break;
    const event = model.parse(stored);
    if (event) state = model.evolve(state, event);
  }
  return state;
}
