import type { PoolClient } from 'pg';
import type { EventStore } from '@payment-ledger/event-store';
import type { EventEnvelope } from './event-envelope';

export interface FoldedView<State> {
  /** Table with `<idColumn>` primary key, `stream_version`, `state` jsonb, and the columns `columnsOf` returns. */
  table: string;
  idColumn: string;
  streamType: string;
  initialState: State;
  evolve(state: State, event: { type: string; data: unknown }): State;
  /** The filterable columns of a row (besides id, version and state); null while the entity does not exist. */
  columnsOf(state: State): Record<string, unknown> | null;
}

/**
 * Applies one event to a read model that keeps each entity's folded state (one row per stream), inside the
 * consumer's inbox transaction. Events of one stream arrive in order; a gap (say, after a rebuild from a later
 * offset) is filled by folding the stream from the store, and an event already applied changes nothing.
 */
export async function applyToFoldedView<State>(
  session: PoolClient,
  store: EventStore,
  view: FoldedView<State>,
  event: EventEnvelope,
): Promise<void> {
  if (event.streamType !== view.streamType) return;
  const id = event.streamId.slice(view.streamType.length + 1);
  const { rows } = await session.query<{ stream_version: number; state: State }>({
    name: `${view.table}.lock`,
    text: `SELECT stream_version, state FROM ${view.table} WHERE ${view.idColumn} = $1 FOR UPDATE`,
    values: [id],
  });
  const current = rows[0];
  if (current && current.stream_version >= event.streamVersion) return;
  let state: State;
  if ((current?.stream_version ?? 0) === event.streamVersion - 1) {
    state = view.evolve(current?.state ?? view.initialState, event);
  } else {
    const history = await store.readStream(event.streamId);
    state = history.filter((e) => e.streamVersion <= event.streamVersion).reduce(view.evolve, view.initialState);
  }
  const columns = view.columnsOf(state);
  if (!columns) return;
  const names = Object.keys(columns);
  const all = [view.idColumn, 'stream_version', 'state', ...names];
  await session.query({
    name: `${view.table}.upsert`,
    text: `INSERT INTO ${view.table} (${all.join(', ')}) VALUES (${all.map((_, i) => `$${i + 1}`).join(', ')})
           ON CONFLICT (${view.idColumn}) DO UPDATE SET ${all
             .slice(1)
             .map((c) => `${c} = EXCLUDED.${c}`)
             .join(', ')}`,
    values: [id, event.streamVersion, JSON.stringify(state), ...names.map((n) => columns[n])],
  });
}
