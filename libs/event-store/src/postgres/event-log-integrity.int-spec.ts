import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { migrateDatabase } from '@payment-ledger/platform';
import { ALL_MIGRATION_DIRECTORIES } from '../../../../scripts/migration-directories';
import { TestDatabase } from '../../../../test/support/test-database';
import { EVENT_STORE_MIGRATIONS } from '../migrations-path';
import { latestLogCheckpoint, writeLogCheckpoint } from './event-log-checkpoints';
import { inTransaction } from './unit-of-work';
import { PostgresEventStore } from './postgres-event-store';
import { type EventLogViolation, verifyEventLog } from './verify-event-log';

/**
 * The tamper-evident log (README, "Hash chain and checkpoints"): what the store appends verifies, and an event or a
 * checkpoint changed behind the immutability triggers (as only a superuser can) is found and named.
 */

const event = (n: number) => ({
  type: 'CounterIncremented',
  data: { n, note: 'ünïcode \u0001 "quoted"', nested: { z: 1, a: [1.5, 2.0, null] } },
  metadata: { correlationId: `corr-${n}` },
});

/** The stored row's place: stream, version, global position. */
async function placeOf(pool: Pool, streamId: string, version: number) {
  const { rows } = await pool.query<{ global_position: string }>(
    'SELECT global_position FROM events WHERE stream_id = $1 AND stream_version = $2',
    [streamId, version],
  );
  return { streamId, streamVersion: version, globalPosition: Number(rows[0].global_position) };
}

/** As an intruder with a superuser's login would: with the immutability trigger off for the statement. */
async function tamper(pool: Pool, table: 'events' | 'event_log_checkpoints', sql: string, values: unknown[] = []) {
  const trigger = table === 'events' ? 'events_no_update_or_delete' : 'event_log_checkpoints_no_update_or_delete';
  await inTransaction(pool, async (session) => {
    await session.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    await session.query(sql, values);
    await session.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  });
}

describe('hash chain of appended events', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await TestDatabase.create({ poolSize: 30 });
    store = new PostgresEventStore(db.pool);
  });
  afterAll(() => db.drop());

  it('chains single, multi-event, coalesced multi-stream and in-transaction appends, and they verify', async () => {
    await store.append('counter:single', 'no_stream', [event(1)]);
    await store.append('counter:single', 1, [event(2)]);
    await store.append('counter:single', 'any', [event(3)]);
    await store.append('counter:multi', 'no_stream', [event(1), event(2), event(3), event(4)]);
    await store.append('counter:multi', 'stream_exists', [event(5), event(6)]);
    await inTransaction(db.pool, (session) => store.append('counter:tx', 0, [event(1), event(2)], session));
    // 60 callers at once with 4 statements in flight: most go as multi-stream statements, two events each.
    const coalesced = Array.from({ length: 60 }, (_, i) => `counter:coalesced-${i}`);
    await Promise.all(coalesced.map((s) => store.append(s, 'no_stream', [event(1), event(2)])));
    await Promise.all(coalesced.map((s) => store.append(s, 2, [event(3)])));

    const { rows } = await db.pool.query<{ unchained: number; multi_stream_statements: number }>(
      `SELECT count(*) FILTER (WHERE chain_hash IS NULL)::int AS unchained,
              (SELECT count(*)::int FROM (SELECT transaction_id FROM events WHERE stream_id LIKE 'counter:coalesced-%'
                 GROUP BY transaction_id HAVING count(DISTINCT stream_id) > 1) t) AS multi_stream_statements
         FROM events`,
    );
    expect(rows[0].unchained).toBe(0);
    expect(rows[0].multi_stream_statements).toBeGreaterThan(0);

    const progress: number[] = [];
    const result = await verifyEventLog(db.pool, { batchSize: 50, onProgress: (p) => progress.push(p.eventsChecked) });
    expect(result).toMatchObject({
      ok: true,
      violations: [],
      violationCount: 0,
      eventsChecked: 3 + 6 + 2 + 60 * 3,
      streamsChecked: 3 + 60,
      checkpointsChecked: 1,
      unchainedEvents: 0,
    });
    expect(progress[progress.length - 1]).toBe(result.eventsChecked);
    expect(progress.length).toBeGreaterThan(3);
  });

  it("chains each stream from its own head: the same events in two streams chain apart, and every link is the previous one's", async () => {
    await store.append('counter:twin-a', 0, [{ ...event(1), eventId: 'evt_twin_a' }]);
    await store.append('counter:twin-b', 0, [{ ...event(1), eventId: 'evt_twin_b' }]);
    const { rows } = await db.pool.query<{ stream_id: string; chain_hash: Buffer; expected: Buffer }>(
      `SELECT stream_id, chain_hash,
              event_hash_fold_step(NULL, coalesce(lag(chain_hash) OVER w, '\\x${'00'.repeat(32)}'::bytea),
                event_content_hash(stream_id, stream_type, stream_version, event_id, event_type, schema_version,
                                   data, metadata, recorded_at)) AS expected
         FROM events WINDOW w AS (PARTITION BY stream_id ORDER BY stream_version)`,
    );
    for (const row of rows) expect(row.chain_hash.equals(row.expected)).toBe(true);
    const twins = rows.filter((r) => r.stream_id.startsWith('counter:twin-'));
    expect(twins[0].chain_hash.equals(twins[1].chain_hash)).toBe(false);
  });

  it('writes checkpoints at the safe position, only when something new is below it, and they verify', async () => {
    const genesis = await latestLogCheckpoint(db.pool);
    expect(genesis).toMatchObject({ checkpointNumber: 0, eventCount: 0, streamCount: 0, lastGlobalPosition: null });
    const first = await writeLogCheckpoint(db.pool);
    const total = Number((await db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);
    const streams = Number((await db.pool.query('SELECT count(DISTINCT stream_id) AS n FROM events')).rows[0].n);
    const last = Number((await db.pool.query('SELECT max(global_position) AS n FROM events')).rows[0].n);
    expect(first).toMatchObject({
      checkpointNumber: 1,
      eventCount: total,
      streamCount: streams,
      lastGlobalPosition: last,
    });
    expect(await writeLogCheckpoint(db.pool)).toBeUndefined();

    // An event whose transaction is still open stays out of the checkpoint (and out of its count) until it commits.
    const open = await db.pool.connect();
    try {
      await open.query('BEGIN');
      await store.append('counter:late', 0, [event(1)], open);
      await store.append('counter:single', 3, [event(4)]);
      await store.append('counter:after', 0, [event(1)]);
      expect(await writeLogCheckpoint(db.pool)).toBeUndefined(); // the open transaction holds the safe position back
      await open.query('COMMIT');
    } finally {
      open.release();
    }
    const second = await writeLogCheckpoint(db.pool);
    expect(second).toMatchObject({ checkpointNumber: 2, eventCount: total + 3, streamCount: streams + 2 });
    const result = await verifyEventLog(db.pool);
    expect(result).toMatchObject({ ok: true, checkpointsChecked: 3, eventsChecked: total + 3 });
  });

  it('refuses the services to change or delete a checkpoint, as it refuses them to change an event', async () => {
    await expect(db.pool.query('UPDATE event_log_checkpoints SET event_count = 0')).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM event_log_checkpoints')).rejects.toThrow(/append-only/);
  });
});

describe('verify finds what was changed behind the triggers', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeEach(async () => {
    db = await TestDatabase.create({ poolSize: 10 });
    store = new PostgresEventStore(db.pool, { coalesce: false });
    for (const stream of ['counter:x', 'counter:y', 'counter:z']) {
      await store.append(stream, 0, [event(1), event(2), event(3)]);
      await store.append(stream, 3, [event(4)]);
    }
    expect(await writeLogCheckpoint(db.pool)).toBeDefined();
    await store.append('counter:y', 4, [event(5)]);
    expect((await verifyEventLog(db.pool)).ok).toBe(true);
  });
  afterEach(() => db.drop());

  it('names the stream, version and position of an event whose data was edited (its chain hash left as it was)', async () => {
    await tamper(
      db.pool,
      'events',
      `UPDATE events SET data = '{"n": 200}' WHERE stream_id = 'counter:y' AND stream_version = 2`,
    );
    const result = await verifyEventLog(db.pool);
    expect(result.ok).toBe(false);
    expect(result.violations).toEqual([
      expect.objectContaining({ kind: 'chain_broken', ...(await placeOf(db.pool, 'counter:y', 2)) }),
    ]);
    expect(result.violations[0].detail).toMatch(/stored chain hash [0-9a-f]{64}, recomputed [0-9a-f]{64}/);
  });

  it("catches an edit that also recomputed the event's chain hash at the next event's link", async () => {
    await tamper(
      db.pool,
      'events',
      `UPDATE events SET metadata = '{"actor": "intruder"}',
              chain_hash = event_hash_fold_step(NULL,
                (SELECT p.chain_hash FROM events p WHERE p.stream_id = events.stream_id AND p.stream_version = 1),
                event_content_hash(stream_id, stream_type, stream_version, event_id, event_type, schema_version,
                                   data, '{"actor": "intruder"}', recorded_at))
        WHERE stream_id = 'counter:z' AND stream_version = 2`,
    );
    const result = await verifyEventLog(db.pool);
    expect(result.violations).toEqual([
      expect.objectContaining({ kind: 'chain_broken', ...(await placeOf(db.pool, 'counter:z', 3)) }),
    ]);
  });

  it("catches a stream's tail re-chained up to its head at the checkpoint that covered the head", async () => {
    await tamper(
      db.pool,
      'events',
      `UPDATE events SET data = '{"n": 400}',
              chain_hash = event_hash_fold_step(NULL,
                (SELECT p.chain_hash FROM events p WHERE p.stream_id = events.stream_id AND p.stream_version = 3),
                event_content_hash(stream_id, stream_type, stream_version, event_id, event_type, schema_version,
                                   '{"n": 400}', metadata, recorded_at))
        WHERE stream_id = 'counter:x' AND stream_version = 4`,
    );
    const result = await verifyEventLog(db.pool);
    expect(result.violations).toEqual([
      expect.objectContaining({ kind: 'checkpoint_mismatch', checkpointNumber: 1, streamId: null }),
    ]);
    expect(result.violations[0].detail).toMatch(/^log hash stored/);
  });

  it('names a deleted event as a gap in its stream (and the broken link after it)', async () => {
    await tamper(db.pool, 'events', `DELETE FROM events WHERE stream_id = 'counter:x' AND stream_version = 2`);
    const result = await verifyEventLog(db.pool);
    const third = await placeOf(db.pool, 'counter:x', 3);
    expect(result.violations).toEqual(
      expect.arrayContaining<EventLogViolation>([
        expect.objectContaining({ kind: 'version_gap', ...third }),
        expect.objectContaining({ kind: 'chain_broken', ...third }),
        expect.objectContaining({ kind: 'checkpoint_mismatch', checkpointNumber: 1 }),
      ]),
    );
    expect(result.violations.find((v) => v.kind === 'checkpoint_mismatch')?.detail).toMatch(/event count stored 12/);
  });

  it('reports a checkpoint whose hash was altered (and its successor, which chained from the original)', async () => {
    await writeLogCheckpoint(db.pool);
    await tamper(
      db.pool,
      'event_log_checkpoints',
      `UPDATE event_log_checkpoints SET log_hash = sha256('forged')
                                                     WHERE checkpoint_number = 1`,
    );
    const result = await verifyEventLog(db.pool);
    expect(result.violations.map((v) => [v.kind, v.checkpointNumber])).toEqual([
      ['checkpoint_mismatch', 1],
      ['checkpoint_mismatch', 2],
    ]);
  });

  it('reports a removed checkpoint as a break in their sequence', async () => {
    await writeLogCheckpoint(db.pool);
    await tamper(db.pool, 'event_log_checkpoints', 'DELETE FROM event_log_checkpoints WHERE checkpoint_number = 1');
    const result = await verifyEventLog(db.pool);
    expect(result.violations).toContainEqual(
      expect.objectContaining({ kind: 'checkpoint_sequence', checkpointNumber: 2 }),
    );
  });

  it('keeps the first maxViolations and counts the rest', async () => {
    await tamper(db.pool, 'events', `UPDATE events SET event_type = 'Forged' WHERE stream_id = 'counter:x'`);
    const result = await verifyEventLog(db.pool, { maxViolations: 2 });
    expect(result.violations).toHaveLength(2);
    // Every link of the stream; not the checkpoint, which holds the head's chain hash as stored, and that is intact.
    expect(result.violationCount).toBe(4);
  });
});

/**
 * A database with events stored before migration 0102 (migrated up to 0101, appended to as the store did then, then
 * migrated the rest of the way): the genesis checkpoint covers them by content.
 */
describe('events stored before the chain existed', () => {
  const adminUrl = process.env.DATABASE_URL as string;
  const name = `pl_chain_${randomBytes(5).toString('hex')}`;
  let pool: Pool;
  let store: PostgresEventStore;

  beforeAll(async () => {
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    await admin.query(`CREATE DATABASE ${name}`).finally(() => admin.end());
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const upTo0101 = mkdtempSync(join(tmpdir(), 'event-store-0101-'));
    try {
      for (const file of ['0100_event_store', '0101_service_role_without_ddl']) {
        for (const ext of ['.sql', '.down.sql'])
          copyFileSync(join(EVENT_STORE_MIGRATIONS, file + ext), join(upTo0101, file + ext));
      }
      await migrateDatabase(url.toString(), [upTo0101]);
    } finally {
      rmSync(upTo0101, { recursive: true, force: true });
    }
    pool = new Pool({ connectionString: url.toString(), max: 5 });
    pool.on('error', () => undefined);
    // The append of the store before 0102: the columns it wrote, recorded_at by default.
    await pool.query(
      `INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, data, metadata)
       SELECT 'counter:old-' || s, 'counter', v, 'evt_old_' || s || '_' || v, 'CounterIncremented',
              jsonb_build_object('n', v, 'text', 'é"\\'), '{"actor": "before"}'
         FROM generate_series(1, 3) s, generate_series(1, 4) v ORDER BY s, v`,
    );
    await migrateDatabase(url.toString(), ALL_MIGRATION_DIRECTORIES);
    store = new PostgresEventStore(pool, { coalesce: false });
  });
  afterAll(async () => {
    await pool?.end();
    const admin = new Pool({ connectionString: adminUrl, max: 1 });
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => admin.end());
  });

  it('leaves them without a chain, covers them with the genesis checkpoint, and chains what follows from genesis', async () => {
    expect(await latestLogCheckpoint(pool)).toMatchObject({ checkpointNumber: 0, eventCount: 12, streamCount: 3 });
    await store.append('counter:old-1', 4, [event(5)]);
    await store.append('counter:new', 0, [event(1)]);
    const result = await verifyEventLog(pool);
    expect(result).toMatchObject({ ok: true, eventsChecked: 14, unchainedEvents: 12, uncoveredUnchainedEvents: 0 });
    expect(await writeLogCheckpoint(pool)).toMatchObject({ checkpointNumber: 1, eventCount: 14, streamCount: 4 });
  });

  it('counts an event a build without the chain appended during a rollout as uncovered until the next checkpoint', async () => {
    await pool.query(
      `INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, data)
       VALUES ('counter:rollout', 'counter', 1, 'evt_rollout_1', 'CounterIncremented', '{"n": 1}')`,
    );
    await store.append('counter:rollout', 1, [event(2)]);
    expect(await verifyEventLog(pool)).toMatchObject({ ok: true, unchainedEvents: 13, uncoveredUnchainedEvents: 1 });
    await writeLogCheckpoint(pool);
    expect(await verifyEventLog(pool)).toMatchObject({ ok: true, unchainedEvents: 13, uncoveredUnchainedEvents: 0 });
  });

  it('reports an edit of one of them at the genesis checkpoint (they have no chain of their own to name it by)', async () => {
    await tamper(pool, 'events', `UPDATE events SET data = '{"n": 99}' WHERE event_id = 'evt_old_2_3'`);
    const result = await verifyEventLog(pool);
    expect(result.violations).toEqual([
      expect.objectContaining({ kind: 'checkpoint_mismatch', checkpointNumber: 0, streamId: null }),
    ]);
  });
});
