import { Client, type PoolClient } from 'pg';
import { LOG_START, PostgresEventStore, type RecordedEvent } from '@payment-ledger/event-store';
import { TestDatabase } from '../../../test/support/test-database';
import { waitFor } from '../../../test/support/wait';
import { FoldedViewProjection, type FoldedView } from './folded-view';
import { readLogCheckpoint } from './log-checkpoints';
import { rebuildProjection } from './projection-rebuild';
import { catchUpProjection, liveTarget, type Projection, projectBatch, ProjectionRunner } from './projection-runner';

let db: TestDatabase;
let store: PostgresEventStore;

interface Notes {
  notes: string[];
}

const NOTES_VIEW: FoldedView<Notes> = {
  table: 'note_view',
  idColumn: 'note_id',
  streamType: 'note',
  columnTypes: { last_note: 'text', note_count: 'integer' },
  initialState: { notes: [] },
  evolve: (state, event) => ({ notes: [...state.notes, (event.data as { note: string }).note] }),
  columnsOf: (state) => ({ last_note: state.notes[state.notes.length - 1], note_count: state.notes.length }),
};

/** Every event it is given, in order, one row each: applying an event twice would break the primary key. */
class SeenProjection implements Projection {
  readonly table = 'seen_events';
  constructor(
    readonly name: string,
    readonly streamTypes?: readonly string[],
  ) {}
  async apply(session: PoolClient, events: readonly RecordedEvent[], table: string): Promise<void> {
    await session.query(
      `INSERT INTO ${table} (event_id, stream_id, applied_at) SELECT e, s, clock_timestamp()
       FROM unnest($1::text[], $2::text[]) AS t(e, s)`,
      [events.map((e) => e.eventId), events.map((e) => e.streamId)],
    );
  }
}

beforeAll(async () => {
  db = await TestDatabase.create();
  store = new PostgresEventStore(db.pool);
  await db.pool.query(`CREATE TABLE note_view (
    note_id text PRIMARY KEY, stream_version integer NOT NULL, state jsonb NOT NULL,
    last_note text NOT NULL, note_count integer NOT NULL)`);
  await db.pool.query('CREATE INDEX note_view_last ON note_view (last_note) WHERE note_count > 1');
  await db.pool.query('GRANT SELECT, INSERT, UPDATE ON note_view TO payment_ledger_service');
  await db.pool.query(`CREATE TABLE seen_events (
    n bigserial, event_id text PRIMARY KEY, stream_id text NOT NULL, applied_at timestamptz NOT NULL)`);
});
afterAll(() => db.drop());

const note = (streamId: string, ...notes: string[]) =>
  store.append(
    streamId,
    'any',
    notes.map((n) => ({ type: 'Noted', data: { note: n } })),
  );

const notesView = (name = 'notes.view') => new FoldedViewProjection(name, NOTES_VIEW, store);

const rows = async (table = 'note_view') =>
  (await db.pool.query(`SELECT note_id, stream_version, state, last_note, note_count FROM ${table} ORDER BY note_id`))
    .rows;

async function seen(): Promise<string[]> {
  return (await db.pool.query('SELECT stream_id FROM seen_events ORDER BY n')).rows.map((r) => r.stream_id);
}

describe('a projection of its own events', () => {
  it('applies each batch in one transaction with its checkpoint: BEGIN, lock, upsert, checkpoint, COMMIT', async () => {
    const projection = notesView();
    await note('note:a', 'a1', 'a2');
    await note('note:b', 'b1');
    await note('other:x', 'x1');

    const statements: string[] = [];
    const query = Client.prototype.query;
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const [text] = args as [string | { text: string }];
      statements.push(typeof text === 'string' ? text : text.text);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      expect(await projectBatch(db.pool, store, projection, liveTarget(projection))).toBe(3);
    } finally {
      spy.mockRestore();
    }
    // The peek at the checkpoint and the log read (on the pool), then the batch's transaction; new entities need no
    // read of their rows.
    expect(statements).toEqual([
      expect.stringContaining('FROM relay_checkpoints'),
      expect.stringContaining('FROM events'),
      'BEGIN',
      expect.stringContaining('INSERT INTO relay_checkpoints'),
      expect.stringContaining('INSERT INTO note_view'),
      expect.stringContaining('INSERT INTO relay_checkpoints'),
      'COMMIT',
    ]);

    expect(await rows()).toEqual([
      { note_id: 'a', stream_version: 2, state: { notes: ['a1', 'a2'] }, last_note: 'a2', note_count: 2 },
      { note_id: 'b', stream_version: 1, state: { notes: ['b1'] }, last_note: 'b1', note_count: 1 },
    ]);
    const checkpoint = await readLogCheckpoint(db.pool, 'notes.view');
    expect(checkpoint).not.toEqual(LOG_START);
    expect(await projectBatch(db.pool, store, projection, liveTarget(projection))).toBe(0);

    await note('note:a', 'a3');
    await note('note:c', 'c1');
    expect(await catchUpProjection(db.pool, store, projection)).toBe(2);
    expect((await rows()).map((r) => [r.note_id, r.stream_version, r.last_note])).toEqual([
      ['a', 3, 'a3'],
      ['b', 1, 'b1'],
      ['c', 1, 'c1'],
    ]);
  });

  it('catches up in batches of the given size', async () => {
    const projection = new SeenProjection('seen.batches', ['batch']);
    for (let i = 0; i < 7; i++) await note(`batch:${i}`, 'x');
    expect(await projectBatch(db.pool, store, projection, liveTarget(projection), 3)).toBe(3);
    expect(await catchUpProjection(db.pool, store, projection, liveTarget(projection), 3)).toBe(4);
    expect(await seen()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `batch:${i}`));
    await db.pool.query('TRUNCATE seen_events');
  });

  it('never steps over an event that commits late, and replicas take turns without applying an event twice', async () => {
    const projection = new SeenProjection('seen.replicas', ['late']);
    await note('late:0', 'x');
    // A transaction that took its id first and commits last.
    const slow = await db.pool.connect();
    const replicas = [1, 2, 3].map(() => new ProjectionRunner(db.pool, store, projection, { pollMs: 5, batchSize: 4 }));
    try {
      await slow.query('BEGIN');
      await store.append('late:slow', 'no_stream', [{ type: 'Noted', data: { note: 'slow' } }], slow);
      for (let i = 1; i <= 20; i++) await note(`late:${i}`, 'x');
      await Promise.all(replicas.map((r) => r.catchUp()));
      expect(await seen()).toEqual(['late:0']);
      await slow.query('COMMIT');
    } finally {
      // Never left open when the test fails: an open transaction holds back every log reader of the cluster.
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
    }
    await Promise.all(replicas.map((r) => r.catchUp()));
    const order = await seen();
    expect(order).toHaveLength(22);
    expect(order.slice(0, 2)).toEqual(['late:0', 'late:slow']);
    await db.pool.query('TRUNCATE seen_events');
  });

  it('polls: a write shows within a few poll intervals; stop() waits for the batch in hand', async () => {
    const projection = notesView('notes.polled');
    const runner = new ProjectionRunner(db.pool, store, projection, { pollMs: 20 });
    runner.start();
    try {
      await waitFor('the runner to catch up from the start of the log', async () => (await rows()).length > 0);
      await note('note:polled', 'p1');
      const written = Date.now();
      await waitFor('the polled note', async () => (await rows()).some((r) => r.note_id === 'polled'), 5_000);
      expect(Date.now() - written).toBeLessThan(1_000);
    } finally {
      await runner.stop();
    }
  });
});

describe('read-your-writes: catchUpWithCommitted', () => {
  const noteIds = async () => (await rows()).map((r) => r.note_id);

  it('brings the table up to every event committed before the call, without waiting for a poll', async () => {
    const runner = new ProjectionRunner(db.pool, store, notesView('notes.ryw'), { pollMs: 60_000 });
    await note('note:ryw1', 'x');
    expect(await runner.catchUpWithCommitted(1_000)).toBe(true);
    expect(await noteIds()).toContain('ryw1');
    // 0 asks for no wait: nothing is read, the table stays as it is.
    await note('note:ryw2', 'x');
    expect(await runner.catchUpWithCommitted(0)).toBe(false);
    expect(await noteIds()).not.toContain('ryw2');
    expect(await runner.catchUpWithCommitted(1_000)).toBe(true);
    expect(await noteIds()).toContain('ryw2');
  });

  it('waits while an older transaction holds the log up, gives up at the bound, and then sees both', async () => {
    const projection = new SeenProjection('seen.ryw', ['held']);
    const runner = new ProjectionRunner(db.pool, store, projection, { pollMs: 60_000 });
    const slow = await db.pool.connect();
    try {
      await slow.query('BEGIN');
      await store.append('held:slow', 'no_stream', [{ type: 'Noted', data: { note: 'slow' } }], slow);
      await note('held:fast', 'x');
      const started = Date.now();
      expect(await runner.catchUpWithCommitted(150)).toBe(false);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(140);
      expect(waited).toBeLessThan(1_000);
      expect(await seen()).toEqual([]);

      // It waits for the older transaction to end, not for the bound.
      const waiting = runner.catchUpWithCommitted(5_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await slow.query('COMMIT');
      const committed = Date.now();
      expect(await waiting).toBe(true);
      expect(Date.now() - committed).toBeLessThan(1_000);
      expect(await seen()).toEqual(['held:slow', 'held:fast']);
    } finally {
      await slow.query('ROLLBACK').catch(() => undefined);
      slow.release();
      await db.pool.query('TRUNCATE seen_events');
    }
  });

  it('callers at the same time share catch-ups, and each sees what was committed before its call', async () => {
    const projection = new SeenProjection('seen.ryw-shared', ['shared']);
    const runner = new ProjectionRunner(db.pool, store, projection, { pollMs: 60_000 });
    const catchUps = jest.spyOn(runner, 'catchUp');
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await note(`shared:${i}`, 'x');
        const done = await runner.catchUpWithCommitted(5_000);
        return done && (await seen()).includes(`shared:${i}`);
      }),
    );
    expect(results).toEqual(results.map(() => true));
    expect(catchUps.mock.calls.length).toBeLessThan(20);
    expect([...(await seen())].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `shared:${i}`).sort());
    await db.pool.query('TRUNCATE seen_events');
  });

  it('answers false, never an error, when it cannot read', async () => {
    const broken = new ProjectionRunner(db.pool, store, new SeenProjection('seen.ryw-broken', ['broken']), {
      pollMs: 60_000,
    });
    await note('broken:1', 'x');
    jest.spyOn(broken, 'catchUp').mockRejectedValueOnce(new Error('database away'));
    expect(await broken.catchUpWithCommitted(1_000)).toBe(false);
    expect(await broken.catchUpWithCommitted(1_000)).toBe(true);
    await db.pool.query('TRUNCATE seen_events');
  });
});

describe('a projection of everyone’s events', () => {
  it('follows the global log filtered by stream type, in log order', async () => {
    const projection = new SeenProjection('seen.ledger', ['charge', 'agreement']);
    await note('charge:1', 'x');
    await note('note:z', 'x');
    await note('agreement:1', 'x', 'y');
    await note('charge:1', 'z');
    await catchUpProjection(db.pool, store, projection);
    expect(await seen()).toEqual(['charge:1', 'agreement:1', 'agreement:1', 'charge:1']);
    await db.pool.query('TRUNCATE seen_events');
  });
});

describe('rebuild', () => {
  it('rebuilds from position 0 into a fresh table and swaps it in, with its indexes, grants and checkpoint', async () => {
    const projection = notesView('notes.rebuilt');
    for (let i = 0; i < 30; i++) await note(`note:r${i % 7}`, `r${i}`);
    await catchUpProjection(db.pool, store, projection);
    const live = await rows();
    const indexes = async () =>
      (
        await db.pool.query(
          `SELECT indexname, regexp_replace(indexdef, ' INDEX \\S+ ON \\S+ ', ' INDEX ON ') AS shape
           FROM pg_indexes WHERE tablename = 'note_view' ORDER BY indexname`,
        )
      ).rows;
    const grants = async () =>
      (
        await db.pool.query(
          `SELECT grantee, privilege_type FROM information_schema.role_table_grants
           WHERE table_name = 'note_view' ORDER BY 1, 2`,
        )
      ).rows;
    const indexesBefore = await indexes();
    const grantsBefore = await grants();
    // A row the log does not explain: the rebuild does not have it.
    await db.pool.query(`UPDATE note_view SET last_note = 'tampered' WHERE note_id = 'r0'`);

    // The live runner keeps going during the rebuild, and writes keep coming.
    const runner = new ProjectionRunner(db.pool, store, projection, { pollMs: 5 });
    runner.start();
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) await note(`note:w${i % 5}`, `w${i}`);
    })();
    try {
      const result = await rebuildProjection(db.pool, store, projection, { batchSize: 10 });
      expect(result).toMatchObject({ table: 'note_view', rebuiltAs: 'note_view_rebuild_1' });
      expect(result.events).toBeGreaterThanOrEqual(30);
    } finally {
      writing = false;
      await writer;
    }
    await runner.catchUp();
    await runner.stop();

    const rebuilt = await rows();
    expect(rebuilt.find((r) => r.note_id === 'r0')?.last_note).not.toBe('tampered');
    expect(rebuilt.filter((r) => live.some((l) => l.note_id === r.note_id))).toEqual(live);
    // Every note of the log, folded: the writes made during the rebuild are all there, once.
    const fromLog = await db.pool.query(
      `SELECT split_part(stream_id, ':', 2) AS note_id, max(stream_version) AS v, count(*)::int AS n
       FROM events WHERE stream_type = 'note' GROUP BY stream_id ORDER BY 1`,
    );
    expect(rebuilt.map((r) => [r.note_id, r.stream_version, r.note_count])).toEqual(
      fromLog.rows.map((r) => [r.note_id, Number(r.v), r.n]),
    );
    expect(await indexes()).toEqual(indexesBefore);
    expect(await grants()).toEqual(grantsBefore);
    const tables = await db.pool.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'note_view%'`);
    expect(tables.rows).toEqual([{ tablename: 'note_view' }]);
    const checkpoints = await db.pool.query(
      `SELECT relay_name FROM relay_checkpoints WHERE relay_name LIKE 'notes.rebuilt%'`,
    );
    expect(checkpoints.rows).toEqual([{ relay_name: 'notes.rebuilt' }]);

    // A second rebuild works the same way (a fresh table again).
    await note('note:r0', 'again');
    const again = await rebuildProjection(db.pool, store, projection);
    expect(again.rebuiltAs).toBe('note_view_rebuild_1');
    expect((await rows()).find((r) => r.note_id === 'r0')?.last_note).toBe('again');
  });
});
