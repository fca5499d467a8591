import type { PoolClient } from 'pg';
import type { EventStore, RecordedEvent } from '@payment-ledger/event-store';
import type { EventEnvelope } from './event-envelope';
import type { Projection } from './projection-runner';

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

/** What a folded view needs of a stored event: its stream, its place in it, and its payload. */
export type FoldableEvent = Pick<
  EventEnvelope,
  'streamId' | 'streamType' | 'streamVersion' | 'type' | 'schemaVersion' | 'data'
>;

/**
 * Applies a batch of events (a stream's in stream order, as the log holds them) to a folded view inside the
 * caller's transaction, in at most two statements however many events and entities the batch holds: one `SELECT`
 * of the rows it changes that may exist already (an entity whose batch starts at its first event is folded from
 * `initialState` without a read), then, after folding every event in memory, one multi-row upsert of each changed
 * entity's final state. Only a gap costs more: a read of the stream. Other stream types are passed over.
 *
 * `table` is the view's table by default; a rebuild passes its fresh copy (see rebuildProjection).
 *
 * Projections write in bulk with SQL, not through the ORM (TypeORM is the data layer for the relational tables):
 * a batch is one `INSERT … SELECT FROM unnest(…)` of every row, which an entity-by-entity save cannot match on the
 * create path's machine. Reads of these tables may go through entities.
 *
 * The rows are not locked: the projection runner applies batches under its checkpoint's lock, so nothing else
 * writes the table meanwhile, and the upsert never moves a row back to an older version in any case.
 */
export async function applyToFoldedView<State>(
  session: PoolClient,
  store: EventStore,
  view: FoldedView<State>,
  events: readonly FoldableEvent[],
  table: string = view.table,
): Promise<void> {
  const eventsByEntity = new Map<string, FoldableEvent[]>();
  for (const event of events) {
    if (event.streamType !== view.streamType) continue;
    const id = event.streamId.slice(view.streamType.length + 1);
    const entityEvents = eventsByEntity.get(id);
    if (entityEvents) entityEvents.push(event);
    else eventsByEntity.set(id, [event]);
  }
  if (eventsByEntity.size === 0) return;
  // Rows are written in one order, so two writers sharing entities (say, during a deployment) cannot deadlock.
  const ids = [...eventsByEntity.keys()].sort();
  // A row can only exist for an entity whose batch starts after its first event (or after a checkpoint moved back
  // by hand: the upsert's version check keeps such a row as it is).
  const existing = ids.filter((id) => eventsByEntity.get(id)![0].streamVersion > 1);
  const stored = new Map<string, FoldedState<State>>();
  if (existing.length > 0) {
    const { rows } = await session.query<{ id: string; stream_version: number; state: State }>({
      name: `${table}.rows`,
      text: `SELECT ${view.idColumn} AS id, stream_version, state FROM ${table} WHERE ${view.idColumn} = ANY($1::text[])`,
      values: [existing],
    });
    for (const r of rows) stored.set(r.id, { streamVersion: r.stream_version, state: r.state });
  }
  const changed: FoldedRow<State>[] = [];
  for (const id of ids) {
    const from = stored.get(id) ?? { streamVersion: 0, state: view.initialState };
    const folded = await foldWithStore(session, store, view, from, eventsByEntity.get(id)!);
    if (folded.streamVersion === from.streamVersion) continue;
    const columns = view.columnsOf(folded.state);
    if (columns) changed.push({ id, ...folded, columns });
  }
  if (changed.length > 0) await upsert(session, view, table, changed);
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
  events: FoldableEvent[],
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
async function upsert<State>(
  session: PoolClient,
  view: FoldedView<State>,
  table: string,
  rows: FoldedRow<State>[],
): Promise<void> {
  const names = Object.keys(view.columnTypes);
  const columns = [view.idColumn, 'stream_version', 'state', ...names];
  const types = ['text', 'integer', 'jsonb', ...names.map((n) => view.columnTypes[n])];
  await session.query({
    name: `${table}.upsert`,
    // The WHERE keeps a row from going back to an older version (events applied again after a checkpoint moved back).
    text: `INSERT INTO ${table} (${columns.join(', ')})
           SELECT * FROM unnest(${types.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
           ON CONFLICT (${view.idColumn}) DO UPDATE SET ${columns
             .slice(1)
             .map((c) => `${c} = EXCLUDED.${c}`)
             .join(', ')}
           WHERE ${table}.stream_version < EXCLUDED.stream_version`,
    values: [
      rows.map((r) => r.id),
      rows.map((r) => r.streamVersion),
      rows.map((r) => JSON.stringify(r.state)),
      ...names.map((n) => rows.map((r) => r.columns[n])),
    ],
  });
}

/**
 * A folded view as a projection of its stream type's events, for a ProjectionRunner (and rebuildProjection).
 * `name` is its checkpoint's.
 */
export class FoldedViewProjection<State> implements Projection {
  readonly table: string;
  readonly streamTypes: readonly string[];

  constructor(
    readonly name: string,
    private readonly view: FoldedView<State>,
    private readonly store: EventStore,
  ) {
    this.table = view.table;
    this.streamTypes = [view.streamType];
  }

  apply(session: PoolClient, events: readonly RecordedEvent[], table: string): Promise<void> {
    return applyToFoldedView(session, this.store, this.view, events, table);
  }
}
