/**
 * Event contracts: what a published event type promises its readers, and the one way to read it.
 *
 * A contract names an event type, its stream type, its current schema version, what it means (for
 * docs/events.md), the shape of its payload (a `Schema`, checked at run time) and the upcasters that turn a payload
 * stored under an older schema version into the current shape. A stream type's contracts make an `EventParser`:
 *
 * - `parse(stored)` is what consumers call instead of matching type strings and casting: it returns the event in
 *   its current shape (typed: a `switch` on `type` narrows `data`), `null` for a type this build does not know (a
 *   newer writer added it: pass it over), and throws `MalformedEvent` for a known type whose payload does not fit,
 *   whose schema version is newer than this build knows, or older with no upcaster.
 * - `upcast(stored)` is the same for a decider's own stream (set it as the decider's `upcast`), except that an
 *   unknown type is refused too: a service must not decide on a stream it cannot fully read (a newer replica wrote
 *   it; the command fails and is retried, rather than deciding on a state that misses an event).
 *
 * A stored event is never changed; a payload change is a new schema version with an upcaster from the previous one.
 */
import type { Schema } from './schema';

/** An event as read back: the type, the schema version it was written under, the payload as written. */
export interface StoredEventLike {
  type: string;
  schemaVersion: number;
  data: unknown;
}

/** Turns a payload of one schema version into the next version's shape (no checks: the result is checked). */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventDefinition<E extends { type: string; data: unknown }> {
  type: E['type'];
  /** The stream type the event is written to (`charge`, `agreement`, `billing-schedule`). */
  streamType: string;
  /** The version the owning service writes now. */
  schemaVersion: number;
  /** What happened, for docs/events.md (the status it leads to, who reacts to it). */
  description: string;
  data: Schema<E['data']>;
  /**
   * `upcasters[n]` turns a version-n payload into a version-(n+1) payload; one per older version still stored. Put
   * added defaults before the stored fields (`{ added: x, ...data }`): V8 builds `{ ...data, added: x }` on a large
   * payload far slower.
   */
  upcasters?: Record<number, Upcaster>;
}

export interface EventContract<E extends { type: string; data: unknown }> extends EventDefinition<E> {
  /** Reads a stored event of this type into the current shape, or throws MalformedEvent. */
  read(stored: StoredEventLike): E;
}

/** A stored event that does not fit its contract: its payload, or a schema version this build cannot read. */
export class MalformedEvent extends Error {
  readonly code = 'malformed_event';
  constructor(
    readonly eventType: string,
    readonly schemaVersion: number,
    readonly problem: string,
  ) {
    super(`Malformed ${eventType} event (schema version ${schemaVersion}): ${problem}`);
    this.name = 'MalformedEvent';
  }
}

export function defineEvent<E extends { type: string; data: unknown }>(
  definition: EventDefinition<E>,
): EventContract<E> {
  const { type, schemaVersion: current, data: schema, upcasters = {} } = definition;
  const is = schema.is;
  const refuse = (version: number, problem: string): never => {
    throw new MalformedEvent(type, version, problem);
  };
  const check = (data: unknown, version: number): E => {
    if (!is(data)) refuse(version, schema.explain(data, '') ?? 'payload does not match');
    return { type, data } as E;
  };
  return {
    ...definition,
    read(stored) {
      const version = stored.schemaVersion;
      // The hot path: a payload written under the current version is checked, not copied.
      if (version === current) return check(stored.data, version);
      if (!Number.isInteger(version) || version < 1) return refuse(version, 'not a schema version');
      if (version > current) {
        return refuse(version, `written by a newer version (this build reads up to version ${current})`);
      }
      if (typeof stored.data !== 'object' || stored.data === null) return refuse(version, 'payload is not an object');
      let data = stored.data as Record<string, unknown>;
      for (let from = version; from < current; from++) {
        const upcast = upcasters[from];
        if (!upcast) return refuse(version, `no upcaster from version ${from} to ${from + 1}`);
        data = upcast(data);
      }
      return check(data, version);
    },
  };
}

/** The contracts of one stream type, one per event type of its union `E` (the compiler checks none is missing). */
export type EventContracts<E extends { type: string; data: unknown }> = {
  [T in E['type']]: EventContract<Extract<E, { type: T }>>;
};

export interface EventParser<E extends { type: string; data: unknown }> {
  streamType: string;
  contracts: EventContracts<E>;
  /** The event in its current shape; null for a type this build does not know. Throws MalformedEvent. */
  parse(stored: StoredEventLike): E | null;
  /** As `parse`, but an unknown type is refused too (for the decider of the stream's own service). */
  upcast(stored: StoredEventLike): E;
  /** Whether `type` is one of this stream type's events. */
  knows(type: string): type is E['type'];
  /** The schema version each type is written at now. */
  schemaVersions: Record<E['type'], number>;
}

export function eventParser<E extends { type: string; data: unknown }>(
  streamType: string,
  contracts: EventContracts<E>,
): EventParser<E> {
  const byType = new Map<string, EventContract<E>>();
  const schemaVersions = {} as Record<E['type'], number>;
  for (const [type, contract] of Object.entries(contracts) as [E['type'], EventContract<E>][]) {
    if (contract.type !== type || contract.streamType !== streamType) {
      throw new Error(`contract ${contract.type} (${contract.streamType}) is listed as ${type} of ${streamType}`);
    }
    byType.set(type, contract);
    schemaVersions[type] = contract.schemaVersion;
  }
  return {
    streamType,
    contracts,
    schemaVersions,
    knows: (type): type is E['type'] => byType.has(type),
    parse(stored) {
      const contract = byType.get(stored.type);
      return contract ? contract.read(stored) : null;
    },
    upcast(stored) {
      const contract = byType.get(stored.type);
      if (!contract) {
        throw new MalformedEvent(stored.type, stored.schemaVersion, `not a ${streamType} event this build knows`);
      }
      return contract.read(stored);
    },
  };
}
