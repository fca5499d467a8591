import { PostgresEventStore } from '@payment-ledger/event-store';
import { testNamespace } from '../support/kafka';
import { startTsProcess, stopProcess } from '../support/processes';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/**
 * 10,000 events go from the store through the relay to a consumer's effects while the process hosting both is
 * killed (SIGKILL) and later stopped gracefully (SIGTERM, the Nest app shuts down) mid-way: every event must reach
 * the effects exactly once, and each stream's events in version order.
 */
const STREAMS = 200;
const EVENTS_PER_STREAM = 50;
const TOTAL = STREAMS * EVENTS_PER_STREAM;

let db: TestDatabase;

beforeAll(async () => {
  db = await TestDatabase.create();
  await db.pool.query(
    'CREATE TABLE effects (id bigserial PRIMARY KEY, event_id text NOT NULL, stream_id text NOT NULL, stream_version int NOT NULL)',
  );
});
afterAll(() => db.drop());

async function appendRound(store: PostgresEventStore, round: number, eventsPerStream: number): Promise<void> {
  for (let s = 0; s < STREAMS; s += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        store.append(
          `crash:s${s + k}`,
          round * eventsPerStream,
          Array.from({ length: eventsPerStream }, (_, i) => ({
            type: 'Ticked',
            data: { i: round * eventsPerStream + i },
          })),
        ),
      ),
    );
  }
}

const effectCount = async () => Number((await db.pool.query('SELECT count(*) AS n FROM effects')).rows[0].n);

it('delivers 10,000 events exactly once across a SIGKILL and a graceful stop of relay and consumer', async () => {
  const store = new PostgresEventStore(db.pool);
  const env = {
    DATABASE_URL: db.url,
    KAFKA_TOPIC_NAMESPACE: testNamespace(),
    KAFKA_TOPIC_PARTITIONS: '4',
    KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '6000',
    DATABASE_POOL_SIZE: '8',
    LOG_LEVEL: 'warn',
  };
  const rounds = 5;
  const perRound = EVENTS_PER_STREAM / rounds;
  await appendRound(store, 0, perRound);

  const first = await startTsProcess('test/support/relay-consumer-worker.ts', env, 'worker ready');
  // The last round is written only after the graceful stop, so that stop always falls before the end of the work
  // (batched consumers can otherwise drain everything first).
  const writer = (async () => {
    for (let round = 1; round < rounds - 1; round++) await appendRound(store, round, perRound);
  })();
  await waitFor('some effects before the kill', async () => (await effectCount()) >= 1500, 90_000);
  await stopProcess(first, 'SIGKILL');
  const afterKill = await effectCount();
  expect(afterKill).toBeLessThan(TOTAL);

  const second = await startTsProcess('test/support/relay-consumer-worker.ts', env, 'worker ready');
  await waitFor('progress after restart', async () => (await effectCount()) >= afterKill + 2000, 120_000);
  await stopProcess(second, 'SIGTERM');
  await writer;
  expect(await effectCount()).toBeLessThan(TOTAL);
  await appendRound(store, rounds - 1, perRound);

  const third = await startTsProcess('test/support/relay-consumer-worker.ts', env, 'worker ready');
  try {
    await waitFor('all effects', async () => (await effectCount()) >= TOTAL, 150_000);
    await new Promise((r) => setTimeout(r, 1000)); // a late duplicate would show up here
  } finally {
    await stopProcess(third, 'SIGTERM');
  }

  const { rows } = await db.pool.query<{ total: string; distinct_events: string }>(
    'SELECT count(*) AS total, count(DISTINCT event_id) AS distinct_events FROM effects',
  );
  expect(Number(rows[0].total)).toBe(TOTAL);
  expect(Number(rows[0].distinct_events)).toBe(TOTAL);
  const stored = await db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM events e JOIN effects f ON f.event_id = e.event_id WHERE e.stream_type = 'crash'`,
  );
  expect(Number(stored.rows[0].n)).toBe(TOTAL);
  const outOfOrder = await db.pool.query(
    `SELECT stream_id FROM (
       SELECT stream_id, stream_version, lag(stream_version) OVER (PARTITION BY stream_id ORDER BY id) AS previous
         FROM effects) v
      WHERE previous IS NOT NULL AND stream_version <> previous + 1`,
  );
  expect(outOfOrder.rows).toEqual([]);
});
