import type { PoolClient } from 'pg';
import type { Decider, DomainEvent } from '@payment-ledger/domain-kernel';
import { metricsText } from '@payment-ledger/platform';
import { sampleOf } from '../../../../test/support/metrics';
import { TestDatabase } from '../../../../test/support/test-database';
import { sleep } from '../../../../test/support/wait';
import { ConcurrencyError, DuplicateEventError } from '../core/errors';
import { handleCommand } from '../core/handle-command';
import { LOG_START, type LogCursor, type RecordedEvent } from '../core/events';
import { PostgresEventStore, readAllSql } from './postgres-event-store';
import { inTransaction } from './unit-of-work';

let db: TestDatabase;
let store: PostgresEventStore;

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 60 });
  store = new PostgresEventStore(db.pool);
});
afterAll(() => db.drop());

const event = (n: number) => ({ type: 'CounterIncremented', data: { n } });

async function readEverything(after: LogCursor = LOG_START): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = await store.readAll(cursor, { limit: 500 });
    if (page.events.length === 0) return all;
    all.push(...page.events);
    cursor = page.cursor;
  }
}

describe('append and readStream', () => {
  it('stores a batch with consecutive versions, ids, metadata and schema versions', async () => {
    const result = await store.append('counter:a', 'no_stream', [
      { ...event(1), metadata: { correlationId: 'corr-1', merchantId: 'mch_1', actor: 'test' } },
      { ...event(2), schemaVersion: 2 },
    ]);
    expect(result.nextExpectedVersion).toBe(2);
    expect(result.globalPositions[1]).toBeGreaterThan(result.globalPositions[0]);
    const stored = await store.readStream('counter:a');
    expect(stored.map((e) => [e.streamVersion, e.type, e.data, e.schemaVersion])).toEqual([
      [1, 'CounterIncremented', { n: 1 }, 1],
      [2, 'CounterIncremented', { n: 2 }, 2],
    ]);
    expect(stored[0].eventId).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(stored[0].streamType).toBe('counter');
    expect(stored[0].metadata).toEqual({ correlationId: 'corr-1', merchantId: 'mch_1', actor: 'test' });
    expect(stored[0].recordedAt).toBeInstanceOf(Date);
    expect(await store.readStream('counter:a', 2)).toHaveLength(1);
  });

  it('refuses a stale or future expected version with a ConcurrencyError carrying the actual version', async () => {
    await store.append('counter:b', 0, [event(1)]);
    await expect(store.append('counter:b', 0, [event(2)])).rejects.toMatchObject({
      name: 'ConcurrencyError',
      expectedVersion: 0,
      actualVersion: 1,
    });
    await expect(store.append('counter:b', 5, [event(2)])).rejects.toBeInstanceOf(ConcurrencyError);
    expect(await store.readStream('counter:b')).toHaveLength(1);
  });

  it('supports no_stream, stream_exists and any', async () => {
    await expect(store.append('counter:c', 'stream_exists', [event(1)])).rejects.toBeInstanceOf(ConcurrencyError);
    await store.append('counter:c', 'no_stream', [event(1)]);
    await expect(store.append('counter:c', 'no_stream', [event(2)])).rejects.toBeInstanceOf(ConcurrencyError);
    await store.append('counter:c', 'stream_exists', [event(2)]);
    const result = await store.append('counter:c', 'any', [event(3)]);
    expect(result.nextExpectedVersion).toBe(3);
  });

  it('writes all events of a batch or none', async () => {
    await store.append('counter:d', 0, [{ ...event(1), eventId: 'evt_fixed_d1' }]);
    await expect(
      store.append('counter:d', 1, [event(2), { ...event(3), eventId: 'evt_fixed_d1' }]),
    ).rejects.toBeInstanceOf(DuplicateEventError);
    expect((await store.readStream('counter:d')).map((e) => e.streamVersion)).toEqual([1]);
  });

  it('rejects malformed stream ids and empty batches', async () => {
    await expect(store.append('no-type-separator', 0, [event(1)])).rejects.toMatchObject({ code: 'invalid_stream_id' });
    await expect(store.append('counter:e', 0, [])).rejects.toBeInstanceOf(RangeError);
  });

  it('lets 50 concurrent appenders race on one stream: one event per version, losers get the concurrency error', async () => {
    await store.append('counter:race', 0, [event(0)]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => store.append('counter:race', 1, [event(i + 1)])),
    );
    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    const losers = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    for (const loser of losers) expect(loser.reason).toBeInstanceOf(ConcurrencyError);
    expect((await store.readStream('counter:race')).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('keeps a stream gap-free when 50 writers each append 4 events with reload-and-retry', async () => {
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: 50 }, async (_, writer) => {
        for (let k = 0; k < 4; k++) {
          for (;;) {
            const version = await store.currentVersion('counter:busy');
            try {
              await store.append('counter:busy', version, [{ type: 'Written', data: { writer, k } }]);
              break;
            } catch (error) {
              if (!(error instanceof ConcurrencyError)) throw error;
              conflicts++;
            }
          }
        }
      }),
    );
    const stored = await store.readStream('counter:busy');
    expect(stored.map((e) => e.streamVersion)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const written = new Set(stored.map((e) => JSON.stringify(e.data)));
    expect(written.size).toBe(200);
    expect(conflicts).toBeGreaterThan(0);
  });
});

describe('coalesced appends and reads (calls that arrive while statements are running go together)', () => {
  /** One slot: everything that arrives while the first statement runs is sent as one batch. */
  const oneSlot = () => new PostgresEventStore(db.pool, { coalesce: { maxInFlight: 1, maxBatch: 64 } });

  it('appends to many streams in fewer statements, each stream checked and versioned on its own', async () => {
    const batched = oneSlot();
    await store.append('batch:existing', 'no_stream', [event(1), event(2)]);
    const statements = jest.spyOn(db.pool, 'query');
    try {
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 30 }, (_, i) =>
          batched.append(`batch:new-${i}`, 'no_stream', [event(i), event(i + 1)]),
        ),
        batched.append('batch:existing', 2, [event(3)]),
        batched.append('batch:existing-stale', 'stream_exists', [event(1)]),
        batched.append('batch:any', 'any', [event(1)]),
      ]);
      expect(statements.mock.calls.length).toBeLessThan(10);
      expect(outcomes.slice(0, 30).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(outcomes[30]).toMatchObject({ status: 'fulfilled', value: { nextExpectedVersion: 3 } });
      expect(outcomes[31]).toMatchObject({ status: 'rejected', reason: { name: 'ConcurrencyError' } });
      expect(outcomes[32]).toMatchObject({ status: 'fulfilled', value: { nextExpectedVersion: 1 } });
    } finally {
      statements.mockRestore();
    }
    for (let i = 0; i < 30; i++) {
      const stored = await store.readStream(`batch:new-${i}`);
      expect(stored.map((e) => [e.streamVersion, e.data])).toEqual([
        [1, { n: i }],
        [2, { n: i + 1 }],
      ]);
      expect(stored[1].globalPosition).toBeGreaterThan(stored[0].globalPosition);
    }
    expect((await store.readStream('batch:existing')).map((e) => e.streamVersion)).toEqual([1, 2, 3]);
    expect(await store.readStream('batch:existing-stale')).toEqual([]);
  });

  it('gives every call in a batch the answer it would get alone: a stale version or a duplicate id fails only that call', async () => {
    const batched = oneSlot();
    await store.append('batch:stale', 'no_stream', [event(1)]);
    await store.append('batch:dup-owner', 'no_stream', [{ ...event(1), eventId: 'evt_batch_dup' }]);
    const [first, ...rest] = [
      batched.append('batch:warm-up', 'no_stream', [event(0)]),
      batched.append('batch:stale', 0, [event(2)]),
      batched.append('batch:dup', 'no_stream', [{ ...event(1), eventId: 'evt_batch_dup' }]),
      batched.append('batch:fine-1', 'no_stream', [event(1)]),
      batched.append('batch:fine-2', 'no_stream', [event(1)]),
    ].map((p) =>
      p.then(
        (r) => r,
        (error: Error) => error,
      ),
    );
    await first;
    const [stale, duplicate, fine1, fine2] = await Promise.all(rest);
    expect(stale).toMatchObject({ name: 'ConcurrencyError', expectedVersion: 0, actualVersion: 1 });
    expect(duplicate).toBeInstanceOf(DuplicateEventError);
    expect(fine1).toMatchObject({ nextExpectedVersion: 1 });
    expect(fine2).toMatchObject({ nextExpectedVersion: 1 });
    expect(await store.readStream('batch:dup')).toEqual([]);
  });

  it('serializes appends to one stream: concurrent writers to a stream still get one event per version', async () => {
    const batched = oneSlot();
    await batched.append('batch:hot', 'no_stream', [event(0)]);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => batched.append('batch:hot', 1, [event(i + 1)])),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((await store.readStream('batch:hot')).map((e) => e.streamVersion)).toEqual([1, 2]);
  });

  it('reads many streams in one statement, each from its own version', async () => {
    const batched = oneSlot();
    for (let i = 0; i < 5; i++) {
      await store.append(
        `batch:read-${i}`,
        'no_stream',
        Array.from({ length: i + 1 }, (_, k) => event(k)),
      );
    }
    const statements = jest.spyOn(db.pool, 'query');
    let reads: RecordedEvent[][];
    try {
      reads = await Promise.all([
        batched.readStream('batch:read-0'),
        ...Array.from({ length: 5 }, (_, i) => batched.readStream(`batch:read-${i}`)),
        batched.readStream('batch:read-4', 3),
        batched.readStream('batch:read-none'),
      ]);
      expect(statements.mock.calls.length).toBe(2);
    } finally {
      statements.mockRestore();
    }
    expect(reads.slice(1, 6).map((r) => r.map((e) => e.streamVersion))).toEqual(
      Array.from({ length: 5 }, (_, i) => Array.from({ length: i + 1 }, (_, k) => k + 1)),
    );
    expect(reads[1].every((e) => e.streamId === 'batch:read-0')).toBe(true);
    expect(reads[6].map((e) => e.streamVersion)).toEqual([3, 4, 5]);
    expect(reads[7]).toEqual([]);
    expect(reads[2][0]).toEqual((await store.readStream('batch:read-1'))[0]);
  });
});

describe('readAll: the global log in commit-safe order', () => {
  it('holds back a committed event while an older transaction is still open, then returns both in order', async () => {
    const start = (await readEverything()).at(-1);
    const from: LogCursor = start
      ? { transactionId: start.transactionId, globalPosition: start.globalPosition }
      : LOG_START;
    const early = await db.pool.connect();
    try {
      await early.query('BEGIN');
      await store.append('interleave:early', 0, [{ type: 'Early', data: {} }], early);
      // A later transaction takes a higher position and commits first.
      await store.append('interleave:late', 0, [{ type: 'Late', data: {} }]);
      const whileOpen = await store.readAll(from);
      expect(whileOpen.events.map((e) => e.type)).toEqual([]);
      await early.query('COMMIT');
    } finally {
      early.release();
    }
    const after = await store.readAll(from);
    expect(after.events.map((e) => e.type)).toEqual(['Early', 'Late']);
    expect(after.events[0].globalPosition).toBeLessThan(after.events[1].globalPosition);
  });

  it('never skips an event whose lower position commits after a higher one from an older transaction', async () => {
    const [older, younger] = [await db.pool.connect(), await db.pool.connect()];
    const seen: string[] = [];
    const before = await readEverything();
    let cursor: LogCursor = before.length
      ? { transactionId: before.at(-1)!.transactionId, globalPosition: before.at(-1)!.globalPosition }
      : LOG_START;
    const poll = async () => {
      const page = await store.readAll(cursor);
      seen.push(...page.events.map((e) => e.type));
      cursor = page.cursor;
    };
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()'); // gets the older transaction id now…
      await younger.query('BEGIN');
      await store.append('skew:younger', 0, [{ type: 'Younger', data: {} }], younger); // …a lower position here…
      await store.append('skew:older', 0, [{ type: 'Older', data: {} }], older); // …and the higher one here.
      await older.query('COMMIT'); // the higher position becomes visible while the lower one is still open
      await poll();
      await younger.query('COMMIT');
      await poll();
    } finally {
      older.release();
      younger.release();
    }
    expect(seen.sort()).toEqual(['Older', 'Younger']);
  });

  it('with interleaved concurrent writers, a polling reader sees every committed event exactly once, in stream order', async () => {
    const before = await readEverything();
    let cursor: LogCursor = before.length
      ? { transactionId: before.at(-1)!.transactionId, globalPosition: before.at(-1)!.globalPosition }
      : LOG_START;
    const seen: RecordedEvent[] = [];
    let writing = true;
    const reader = (async () => {
      for (;;) {
        const done = !writing;
        const page = await store.readAll(cursor, { limit: 37 });
        seen.push(...page.events);
        cursor = page.cursor;
        if (done && page.events.length === 0) return;
        if (page.events.length === 0) await sleep(2);
      }
    })();
    const committed = new Set<string>();
    const writers = Array.from({ length: 12 }, async (_, w) => {
      for (let i = 0; i < 25; i++) {
        const stream = `mixed:s${(w * 7 + i) % 9}`;
        const client: PoolClient = await db.pool.connect();
        try {
          await client.query('BEGIN');
          if (i % 3 === 0) await client.query('SELECT pg_current_xact_id()');
          await sleep(Math.random() * 4);
          const version = await store.currentVersion(stream, client);
          const ids = [`evt_w${w}_${i}_a`, `evt_w${w}_${i}_b`];
          await store.append(
            stream,
            version,
            ids.map((eventId) => ({ eventId, type: 'Mixed', data: { w, i } })),
            client,
          );
          await sleep(Math.random() * 6);
          if (i % 10 === 9) {
            await client.query('ROLLBACK');
          } else {
            await client.query('COMMIT');
            ids.forEach((id) => committed.add(id));
          }
        } catch (error) {
          await client.query('ROLLBACK');
          if (!(error instanceof ConcurrencyError)) throw error;
        } finally {
          client.release();
        }
      }
    });
    await Promise.all(writers);
    writing = false;
    await reader;
    const ids = seen.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(committed);
    expect(committed.size).toBeGreaterThan(100);
    const lastVersion = new Map<string, number>();
    for (const e of seen) {
      expect(e.streamVersion).toBe((lastVersion.get(e.streamId) ?? 0) + 1);
      lastVersion.set(e.streamId, e.streamVersion);
    }
  });

  it('orders by the transaction id itself, not its text form', async () => {
    // Regression: the text column was once aliased `transaction_id`, so ORDER BY sorted text ('10' < '9').
    for (const filtered of [false, true]) {
      const values: unknown[] = ['1', 1, 100];
      if (filtered) values.push(['counter']);
      const plan = (await db.pool.query({ text: `EXPLAIN ${readAllSql(filtered)}`, values })).rows
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
      // The buggy plan sorted on `((transaction_id)::text)`.
      expect(plan).not.toMatch(/\(transaction_id\)::text/);
    }
  });

  it('filters by stream type and pages with the cursor', async () => {
    await store.append('filtered:one', 0, [event(1), event(2), event(3)]);
    const first = await store.readAll(LOG_START, { streamTypes: ['filtered'], limit: 2 });
    expect(first.events.map((e) => e.streamVersion)).toEqual([1, 2]);
    const second = await store.readAll(first.cursor, { streamTypes: ['filtered'], limit: 2 });
    expect(second.events.map((e) => e.streamVersion)).toEqual([3]);
    expect(second.events.every((e) => e.streamType === 'filtered')).toBe(true);
  });
});

describe('metrics', () => {
  it('counts the events appended by stream type, alone or coalesced; a refused append counts nothing', async () => {
    const appended = async () =>
      sampleOf(await metricsText(), 'payment_ledger_events_appended_total{stream_type="metered"}') || 0;
    const before = await appended();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.append(`metered:${i}`, 'no_stream', [event(i)])));
    await store.append('metered:0', 1, [event(1), event(2)]);
    await expect(store.append('metered:0', 1, [event(3)])).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await appended()) - before).toBe(42);
  });

  it('counts the commands of the loop and the concurrency retries of writers racing on one stream', async () => {
    type Tick = DomainEvent<'Ticked', { n: number }>;
    const ticker: Decider<{ type: 'Tick'; n: number }, Tick, number> = {
      initialState: 0,
      evolve: (count) => count + 1,
      decide: (command) => [{ type: 'Ticked', data: { n: command.n } }],
    };
    const now = () => new Date();
    await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        handleCommand(store, 'ticker:1', ticker, { type: 'Tick', n }, { now, maxRetries: 50 }),
      ),
    );
    const text = await metricsText();
    expect(sampleOf(text, 'payment_ledger_commands_total{aggregate="ticker",command="Tick",outcome="appended"}')).toBe(
      20,
    );
    // The stream went from version 0 to 20 with 20 writers at once: every writer but the first lost at least once.
    expect(
      sampleOf(text, 'payment_ledger_command_concurrency_retries_total{aggregate="ticker",command="Tick"}'),
    ).toBeGreaterThan(0);
    expect(await store.currentVersion('ticker:1')).toBe(20);
  });

  it("counts a reader's lag: the events of its stream types past its cursor, up to a limit", async () => {
    const { cursor } = await store.readAll(LOG_START, { limit: 1_000_000 });
    await store.append('lagging:1', 'no_stream', [event(1), event(2), event(3), event(4), event(5)]);
    await store.append('elsewhere:1', 'no_stream', [event(1)]);
    expect(await store.countAfter(cursor, { streamTypes: ['lagging'], limit: 100 })).toBe(5);
    expect(await store.countAfter(cursor, { streamTypes: ['lagging'], limit: 3 })).toBe(3);
    expect(await store.countAfter(cursor, { limit: 100 })).toBe(6);
  });
});

describe('the events table is append-only', () => {
  beforeAll(() => store.append('immutable:x', 0, [event(1)]));

  it.each([
    ['UPDATE', `UPDATE events SET data = '{}' WHERE stream_id = 'immutable:x'`],
    ['DELETE', `DELETE FROM events WHERE stream_id = 'immutable:x'`],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('refuses %s for the owner role', async (_op, sql) => {
    await expect(db.pool.query(sql)).rejects.toThrow(/append-only/);
    expect(await store.readStream('immutable:x')).toHaveLength(1);
  });

  it.each([
    ['UPDATE', `UPDATE events SET data = '{}' WHERE stream_id = 'immutable:x'`],
    ['DELETE', `DELETE FROM events WHERE stream_id = 'immutable:x'`],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('refuses %s for the services role, which may still read and append', async (_op, sql) => {
    await inTransaction(db.pool, async (session) => {
      await session.query('SET LOCAL ROLE payment_ledger_service');
      await session.query('SELECT count(*) FROM events');
      await session.query('SAVEPOINT attempt');
      await expect(session.query(sql)).rejects.toThrow(/permission denied|append-only/);
      await session.query('ROLLBACK TO SAVEPOINT attempt');
    });
    expect(await store.readStream('immutable:x')).toHaveLength(1);
  });
});
