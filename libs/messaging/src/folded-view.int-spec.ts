import { inTransaction, PostgresEventStore, type RecordedEvent } from '@payment-ledger/event-store';
import { TestDatabase } from '../../../test/support/test-database';
import { fromKafkaMessage, toKafkaMessage } from './event-envelope';
import { applyToFoldedView, type FoldedView } from './folded-view';

let db: TestDatabase;
let store: PostgresEventStore;

interface Notes {
  notes: string[];
  firstAt: string | null;
}

/** A view whose state lists the notes of its events, with columns of three SQL types. */
const NOTES_VIEW: FoldedView<Notes> = {
  table: 'note_list_view',
  idColumn: 'note_id',
  streamType: 'note',
  columnTypes: { last_note: 'text', note_count: 'integer', first_at: 'timestamptz' },
  initialState: { notes: [], firstAt: null },
  evolve: (state, event) => {
    const { note, at } = event.data as { note: string; at: string };
    return { notes: [...state.notes, note], firstAt: state.firstAt ?? at };
  },
  columnsOf: (state) =>
    state.firstAt === null
      ? null
      : { last_note: state.notes[state.notes.length - 1], note_count: state.notes.length, first_at: state.firstAt },
};

beforeAll(async () => {
  db = await TestDatabase.create();
  store = new PostgresEventStore(db.pool);
  await db.pool.query(`CREATE TABLE note_list_view (
    note_id text PRIMARY KEY, stream_version integer NOT NULL, state jsonb NOT NULL,
    last_note text NOT NULL, note_count integer NOT NULL, first_at timestamptz NOT NULL)`);
});
afterAll(() => db.drop());

/** Appends `count` events to the stream and returns them as they come off Kafka. */
async function append(streamId: string, count: number) {
  await store.append(
    streamId,
    'no_stream',
    Array.from({ length: count }, (_, i) => ({
      type: 'Noted',
      data: { note: `${streamId}#${i + 1}`, at: `2024-01-0${i + 1}T00:00:00Z` },
    })),
  );
  return (await store.readStream(streamId)).map(envelope);
}

const envelope = (event: RecordedEvent) => fromKafkaMessage(Buffer.from(toKafkaMessage(event).value as string));

const apply = (events: ReturnType<typeof envelope>[]) =>
  inTransaction(db.pool, (session) => applyToFoldedView(session, store, NOTES_VIEW, events));

/** The rows, with the id of the transaction that last wrote each (`xmin`). */
const rowsOf = async () =>
  (
    await db.pool.query(
      `SELECT note_id, stream_version, state, last_note, note_count, first_at, xmin::text AS written_by
       FROM note_list_view ORDER BY note_id`,
    )
  ).rows;

const withoutWriter = ({ written_by: _, ...row }: Record<string, unknown>) => row;

it('folds a batch of several streams in one read and one upsert, filling a gap from the store', async () => {
  const [a1, a2, a3] = await append('note:a', 3);
  const [b1, b2] = await append('note:b', 2);
  const [c1, , c3, c4] = await append('note:c', 4);
  const [d1, d2] = await append('note:d', 2);
  await apply([a1, c1, d1, d2]);
  const storedD = (await rowsOf()).find((row) => row.note_id === 'd');
  const other = envelope({ ...(await store.readStream('note:a'))[0], streamId: 'other:a', streamType: 'other' });

  const session = await db.pool.connect();
  const query = jest.spyOn(session, 'query');
  try {
    await session.query('BEGIN');
    // a: one already applied, then two new; b: new; c: a gap (c2 never arrives); d: only an applied event.
    await applyToFoldedView(session, store, NOTES_VIEW, [a1, b1, a2, c3, other, b2, d2, a3, c4]);
    await session.query('COMMIT');
  } finally {
    session.release();
  }
  // BEGIN, the read of the rows that may exist (not a's or b's: their batch starts at their first event), the gap's
  // stream read, the upsert, COMMIT.
  expect(query).toHaveBeenCalledTimes(5);

  const after = await rowsOf();
  expect(after.map(withoutWriter)).toEqual([
    {
      note_id: 'a',
      stream_version: 3,
      state: { notes: ['note:a#1', 'note:a#2', 'note:a#3'], firstAt: '2024-01-01T00:00:00Z' },
      last_note: 'note:a#3',
      note_count: 3,
      first_at: new Date('2024-01-01T00:00:00Z'),
    },
    {
      note_id: 'b',
      stream_version: 2,
      state: { notes: ['note:b#1', 'note:b#2'], firstAt: '2024-01-01T00:00:00Z' },
      last_note: 'note:b#2',
      note_count: 2,
      first_at: new Date('2024-01-01T00:00:00Z'),
    },
    {
      note_id: 'c',
      stream_version: 4,
      state: { notes: ['note:c#1', 'note:c#2', 'note:c#3', 'note:c#4'], firstAt: '2024-01-01T00:00:00Z' },
      last_note: 'note:c#4',
      note_count: 4,
      first_at: new Date('2024-01-01T00:00:00Z'),
    },
    withoutWriter(storedD),
  ]);
  expect(after[3].written_by).toBe(storedD.written_by); // d was not rewritten
});

it('applies a batch of one event, and passes over a redelivered one', async () => {
  const [e1, e2] = await append('note:e', 2);
  await apply([e1]);
  await apply([e2]);
  await apply([e1]);
  const e = (await rowsOf()).find((row) => row.note_id === 'e');
  expect(e).toMatchObject({ stream_version: 2, last_note: 'note:e#2', note_count: 2 });
});
