import type { PoolClient } from 'pg';
import type { EventStore } from '@payment-ledger/event-store';
import type { EventEnvelope } from './event-envelope';

/**
 * A read model that keeps each entity's folded state, one row per stream: `<idColumn>` text primary key,
 * `stream_version` integer, `state` jsonb, and the filterable columns named in `columnTypes`.
 */
export interface FoldedView<State> {
  table: string;
  idColumn: string;
  streamType: string;
  /** The SQL type of each filterable column, as the table defines it: the multi-row upsert casts its arrays to it. */
  columnTypes: Record<string, string>;
  initialState: State;
  evolve(state: State, event: { type: string; schemaVersion: number; data: unknown }): State;
  /** The filterable columns of a row, keyed as in `columnTypes`; null while the entity does not exist. */
  columnsOf(state: State): Record<string, unknown> | null;
}

/** An entity's state folded up to (and including) the event `streamVersion` of its stream. */
export interface FoldedState<State> {
  streamVersion: number;
  state: State;
}

/** An event with its place in its stream. */
type StreamEvent = { type: string; schemaVersion: number; data: unknown; streamVersion: number };

/**
 * Folds events of one stream, in stream order, onto `from`. An event already applied (its version at most
 * `from.streamVersion`) changes nothing. Returns 'gap' when an event is missing before one of them (say, after a
 * rebuild from a later offset): the stream then has to be read from the store.
 */
export function foldStream<State>(
  view: Pick<FoldedView<State>, 'evolve'>,
  from: FoldedState<State>,
  events: readonly StreamEvent[],
): FoldedState<State> | 'gap' {
  let folded = from;
  for (const event of events) {
    if (event.streamVersion <= folded.streamVersion) continue;
    if (event.streamVersion !== folded.streamVersion + 1) return 'gap';
    folded = { streamVersion: event.streamVersion, state: view.evolve(folded.state, event) };
  }
  return folded;
}

/**
 * Applies a batch of events (in the order consumed: a stream's in stream order) to a folded view inside the
 * consumer's inbox transaction, in two statements however many events and entities the batch holds: one
 * `SELECT … FOR UPDATE` of the rows it touches, then, after folding every event in memory, one multi-row upsert of
 * each changed entity's final state. Only a gap costs more: a read of the stream. Other stream types are passed over.
 */
export async function applyToFoldedView<State>(
  session: PoolClient,
  store: EventStore,
  view: FoldedView<State>,
  events: readonly EventEnvelope[],
): Promise<void> {
  const eventsByEntity = new Map<string, EventEnvelope[]>();
  for (const event of events) {
    if (event.streamType !== view.streamType) continue;
    const id = event.streamId.slice(view.streamType.length + 1);
    const entityEvents = eventsByEntity.get(id);
    if (entityEvents) entityEvents.push(event);
    else eventsByEntity.set(id, [event]);
  }
  if (eventsByEntity.size === 0) return;
  // Rows are locked and written in one order, so consumers sharing entities (during a rebalance) cannot deadlock.
  const ids = [...eventsByEntity.keys()].sort();
  const { rows } = await session.query<{ id: string; stream_version: number; state: State }>({
    name: `${view.table}.lock`,
    text: `SELECT ${view.idColumn} AS id, stream_version, state FROM ${view.table}
           WHERE ${view.idColumn} = ANY($1::text[]) ORDER BY ${view.idColumn} FOR UPDATE`,
    values: [ids],
  });
  const stored = new Map(rows.map((r) => [r.id, { streamVersion: r.stream_version, state: r.state }]));
  const changed: FoldedRow<State>[] = [];
  for (const id of ids) {
    const from = stored.get(id) ?? { streamVersion: 0, state: view.initialState };
    const folded = await foldWithStore(session, store, view, from, eventsByEntity.get(id)!);
    if (folded.streamVersion === from.streamVersion) continue;
    const columns = view.columnsOf(folded.state);
    if (columns) changed.push({ id, ...folded, columns });
  }
  if (changed.length > 0) await upsert(session, view, changed);
}

/** A changed row to write. */
interface FoldedRow<State> extends FoldedState<State> {
  id: string;
  columns: Record<string, unknown>;
}

/** Folds an entity's events of the batch onto its row; a gap is filled by folding the stream's missing events. */
async function foldWithStore<State>(
  session: PoolClient,
  store: EventStore,
  view: FoldedView<State>,
  from: FoldedState<State>,
  events: EventEnvelope[],
): Promise<FoldedState<State>> {
  const folded = foldStream(view, from, events);
  if (folded !== 'gap') return folded;
  const upTo = events[events.length - 1].streamVersion;
  const missing = await store.readStream(events[0].streamId, from.streamVersion + 1, session);
  return {
    streamVersion: upTo,
    state: missing.filter((e) => e.streamVersion <= upTo).reduce(view.evolve, from.state),
  };
}

/** Writes the rows with one `INSERT … SELECT FROM unnest(…)`: one array parameter per column. */
async function upsert<State>(session: PoolClient, view: FoldedView<State>, rows: FoldedRow<State>[]): Promise<void> {
  const names = Object.keys(view.columnTypes);
  const columns = [view.idColumn, 'stream_version', 'state', ...names];
  const types = ['text', 'integer', 'jsonb', ...names.map((n) => view.columnTypes[n])];
  await session.query({
    name: `${view.table}.upsert`,
    // The WHERE keeps a row another consumer inserted meanwhile (it was not there to lock) from going back.
    text: `INSERT INTO ${view.table} (${columns.join(', ')})
           SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
           ON CONFLICT (${view.idColumn}) DO UPDATE SET ${columns
             .slice(1)
             .map((c) => `${c} = EXCLUDED.${c}`)
             .join(', ')}
           WHERE ${view.table}.stream_version < EXCLUDED.stream_version`,
    values: [
      rows.map((r) => r.id),
      rows.map((r) => r.streamVersion),
      rows.map((r) => JSON.stringify(r.state)),
      ...names.map((n) => rows.map((r) => r.columns[n])),
    ],
  });
}
