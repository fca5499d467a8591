import { Pool } from 'pg';
import { PostgresEventStore } from '@payment-ledger/event-store';
import { JsonLogger, metricsText } from '@payment-ledger/platform';
import { TopicCollector } from '../../../test/support/collector';
import { kafkaIsRestartable, PrivateKafka } from '../../../test/support/kafka-control';
import { sampleOf } from '../../../test/support/metrics';
import { testKafka, testNamespace } from '../../../test/support/kafka';
import { TestDatabase } from '../../../test/support/test-database';
import { waitFor } from '../../../test/support/wait';
import { HEADER } from './event-envelope';
import { EventRelay } from './event-relay';
import { topicForStreamType } from './topics';

let db: TestDatabase;
let store: PostgresEventStore;
const logger = new JsonLogger('relay-test', 'error');
const relays: EventRelay[] = [];
const collectors: TopicCollector[] = [];

beforeAll(async () => {
  db = await TestDatabase.create();
  store = new PostgresEventStore(db.pool);
});
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await Promise.all(collectors.splice(0).map((c) => c.stop()));
});
afterAll(() => db.drop());

// Each test uses stream types of its own (`widget-<ns>`): a new relay starts at the beginning of the shared log.
const widget = (ns: string) => `widget-${ns}`;
const gadget = (ns: string) => `gadget-${ns}`;

function relay(
  namespace: string,
  name = 'test-relay',
  streamTypes = [widget(namespace), gadget(namespace)],
  brokers?: string[],
): EventRelay {
  const r = new EventRelay(
    db.pool,
    store,
    testKafka('relay', brokers),
    { name: `${namespace}-${name}`, namespace, streamTypes, partitions: 3, pollIntervalMs: 20, leaderRetryMs: 300 },
    logger,
  );
  relays.push(r);
  return r;
}

async function collect(
  namespace: string,
  types = [widget(namespace), gadget(namespace)],
  brokers?: string[],
): Promise<TopicCollector> {
  const c = await new TopicCollector().start(
    types.map((t) => topicForStreamType(namespace, t)),
    brokers,
  );
  collectors.push(c);
  return c;
}

const appendMany = async (prefix: string, streams: number, perStream: number) => {
  for (let s = 0; s < streams; s++) {
    await store.append(
      `${prefix}${s}`,
      'any',
      Array.from({ length: perStream }, (_, i) => ({
        type: 'Made',
        data: { s, i },
        metadata: { correlationId: `c-${s}` },
      })),
    );
  }
};

it('counts what it relayed, says whether it leads, and its lag: the events of its stream types past its checkpoint', async () => {
  const ns = testNamespace();
  const name = `${ns}-metered`;
  await appendMany(`widget-${ns}:m`, 2, 2);
  // A long pause after an empty read: the events appended after the first batch wait, as behind a slow relay.
  const metered = new EventRelay(
    db.pool,
    store,
    testKafka('relay'),
    { name, namespace: ns, streamTypes: [widget(ns)], partitions: 1, pollIntervalMs: 60_000, leaderRetryMs: 300 },
    logger,
  );
  relays.push(metered);
  await metered.start();
  await waitFor('the first four published', () => metered.publishedCount === 4);
  let text = await metricsText();
  expect(sampleOf(text, `payment_ledger_events_relayed_total{relay="${name}"}`)).toBe(4);
  expect(sampleOf(text, `payment_ledger_relay_leader{relay="${name}"}`)).toBe(1);
  expect(sampleOf(text, `payment_ledger_relay_lag_events{relay="${name}"}`)).toBe(0);
  await appendMany(`widget-${ns}:n`, 1, 3);
  await appendMany(`gadget-${ns}:n`, 1, 2); // not its stream type: not its lag
  text = await metricsText();
  expect(sampleOf(text, `payment_ledger_relay_lag_events{relay="${name}"}`)).toBe(3);
  expect(sampleOf(text, `payment_ledger_events_relayed_total{relay="${name}"}`)).toBe(4);
  // A follower (same name, the lock taken) reports no lag of its own: only the leader knows where it is.
  const follower = new EventRelay(
    db.pool,
    store,
    testKafka('relay'),
    { name, namespace: ns, streamTypes: [widget(ns)], partitions: 1, leaderRetryMs: 60_000 },
    logger,
  );
  relays.push(follower);
  await follower.start();
  await waitFor('a follower', () => follower.role === 'follower');
  expect(await follower.lag()).toBeUndefined();
  await metered.stop();
  text = await metricsText();
  expect(text).not.toContain(`payment_ledger_relay_leader{relay="${name}"} 1`);
  expect(text.match(new RegExp(`payment_ledger_relay_lag_events\\{relay="${name}"\\}`, 'g')) ?? []).toEqual([]);
});

it('publishes each event to its stream type topic, keyed by stream id, with id, type and schema version headers', async () => {
  const ns = testNamespace();
  await store.append(`widget-${ns}:${ns}-1`, 0, [
    { type: 'WidgetMade', data: { size: 3 }, schemaVersion: 2, metadata: { correlationId: 'corr-9' } },
  ]);
  await store.append(`gadget-${ns}:${ns}-1`, 0, [{ type: 'GadgetMade', data: {} }]);
  await relay(ns).start();
  const collector = await collect(ns);
  await waitFor('two messages', () => collector.received.length >= 2);
  const widgetMessage = collector.received.find((r) => r.topic === `${ns}.widget-${ns}.v1`)!;
  const [stored] = await store.readStream(`widget-${ns}:${ns}-1`);
  expect(widgetMessage.message.key?.toString()).toBe(`widget-${ns}:${ns}-1`);
  expect(collector.header(widgetMessage, HEADER.eventId)).toBe(stored.eventId);
  expect(collector.header(widgetMessage, HEADER.eventType)).toBe('WidgetMade');
  expect(collector.header(widgetMessage, HEADER.schemaVersion)).toBe('2');
  expect(collector.header(widgetMessage, HEADER.correlationId)).toBe('corr-9');
  expect(JSON.parse(widgetMessage.message.value!.toString())).toMatchObject({
    eventId: stored.eventId,
    streamVersion: 1,
    data: { size: 3 },
    globalPosition: stored.globalPosition,
  });
  expect(collector.received.some((r) => r.topic === `${ns}.gadget-${ns}.v1`)).toBe(true);
});

it('keeps one stream on one partition, in version order', async () => {
  const ns = testNamespace();
  await appendMany(`widget-${ns}:${ns}-`, 10, 30);
  await relay(ns).start();
  const collector = await collect(ns, [widget(ns)]);
  await waitFor('300 messages', () => collector.received.length >= 300);
  const partitionOf = new Map<string, number>();
  const versions = new Map<string, number>();
  for (const r of collector.received) {
    const key = r.message.key!.toString();
    expect(partitionOf.get(key) ?? r.partition).toBe(r.partition);
    partitionOf.set(key, r.partition);
    const version = Number(collector.header(r, HEADER.streamVersion));
    expect(version).toBe((versions.get(key) ?? 0) + 1);
    versions.set(key, version);
  }
});

it('resumes from its checkpoint after a restart instead of republishing', async () => {
  const ns = testNamespace();
  await appendMany(`widget-${ns}:${ns}-a`, 5, 10);
  const first = relay(ns);
  await first.start();
  const collector = await collect(ns, [widget(ns)]);
  await waitFor('first 50', () => collector.received.length >= 50);
  await first.stop();
  await appendMany(`widget-${ns}:${ns}-b`, 5, 10);
  await relay(ns).start();
  await waitFor('next 50', () => collector.received.length >= 100);
  await new Promise((r) => setTimeout(r, 500));
  const ids = collector.received.map((r) => collector.header(r, HEADER.eventId));
  expect(ids).toHaveLength(100);
  expect(new Set(ids).size).toBe(100);
});

it('publishes what was committed before it stopped, on its way out, instead of leaving it to the next leader', async () => {
  const ns = testNamespace();
  // Polls rarely: only the flush on stop can publish the second lot before stop() returns.
  const lazy = new EventRelay(
    db.pool,
    store,
    testKafka('relay'),
    { name: `${ns}-lazy`, namespace: ns, streamTypes: [widget(ns)], partitions: 3, pollIntervalMs: 60_000 },
    logger,
  );
  relays.push(lazy);
  await appendMany(`widget-${ns}:${ns}-a`, 1, 1);
  await lazy.start();
  await waitFor('the leader published the first event', () => lazy.publishedCount === 1);
  await appendMany(`widget-${ns}:${ns}-b`, 3, 10);
  await lazy.stop();
  expect(lazy.publishedCount).toBe(31);
  const collector = await collect(ns, [widget(ns)]);
  await waitFor('all 31 in Kafka', () => collector.received.length >= 31);
});

it('lets only one of two relays publish, and the other takes over within seconds when the leader dies', async () => {
  const ns = testNamespace();
  const a = relay(ns);
  const b = relay(ns);
  await a.start();
  await waitFor('a leads', () => a.role === 'leader', 10_000);
  await b.start();
  const collector = await collect(ns, [widget(ns)]);
  await appendMany(`widget-${ns}:${ns}-x`, 4, 25);
  await waitFor('100 messages', () => collector.received.length >= 100);
  // A consumer can see a batch before the producer's acknowledgement reaches the relay's counter.
  await waitFor('the leader to count its 100', () => a.publishedCount >= 100, 10_000);
  expect(b.role).toBe('follower');
  expect(b.publishedCount).toBe(0);
  expect(a.publishedCount).toBe(100);

  // The leader's process dies: the database ends its session (and with it the lock); it publishes nothing more.
  await db.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid() AND granted`,
  );
  await a.stop();
  const died = Date.now();
  await waitFor('b takes over', () => b.role === 'leader', 10_000);
  expect(Date.now() - died).toBeLessThan(5_000);
  await appendMany(`widget-${ns}:${ns}-y`, 4, 25);
  await waitFor('200 distinct events', () => {
    return new Set(collector.received.map((r) => collector.header(r, HEADER.eventId))).size >= 200;
  });
  expect(b.publishedCount).toBeGreaterThanOrEqual(100);
});

it('gives the pool its slot back when the lock session dies, and leads again, however often it happens', async () => {
  const ns = testNamespace();
  // A pool of two: a lock connection lost on each death would leave none after two, and the relay could not lead.
  const pool = new Pool({ connectionString: db.url, max: 2, connectionTimeoutMillis: 2_000 });
  const r = new EventRelay(
    pool,
    store,
    testKafka('relay'),
    {
      name: `${ns}-lock`,
      namespace: ns,
      streamTypes: [widget(ns)],
      partitions: 1,
      pollIntervalMs: 20,
      leaderRetryMs: 100,
    },
    logger,
  );
  relays.push(r);
  // This test's database is its own, and the other tests' relays are stopped: the one advisory lock held in it is ours.
  const lockHolder = async (): Promise<number | undefined> => {
    const { rows } = await db.pool.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()`,
    );
    return rows[0]?.pid;
  };
  try {
    await r.start();
    let previous: number | undefined;
    for (let death = 0; death < 5; death++) {
      await waitFor(
        'the relay to hold the lock',
        async () => {
          const pid = await lockHolder();
          return pid !== undefined && pid !== previous && r.role === 'leader';
        },
        10_000,
      );
      previous = await lockHolder();
      await db.pool.query('SELECT pg_terminate_backend($1)', [previous]);
    }
    await waitFor('the relay to lead again', async () => r.role === 'leader' && (await lockHolder()) !== previous);
    await appendMany(`widget-${ns}:${ns}-after`, 1, 5);
    await waitFor('it publishes', () => r.publishedCount >= 5);
    // Five deaths with a pool of two: had a dead connection kept its slot, the relay could not have led again; and
    // besides the relay's lock connection, the pool's other slot is free.
    const other = await pool.connect();
    other.release();
  } finally {
    await r.stop();
    await pool.end();
  }
});

it('a follower whose database attempt failed still reports Kafka connected (readiness is not held down)', async () => {
  const ns = testNamespace();
  const leader = relay(ns, 'ready');
  await leader.start();
  await waitFor('the leader', () => leader.role === 'leader', 10_000);
  // The follower's pool: one connection, and a wait for it of 100 ms at most, so holding it fails its next attempt.
  const pool = new Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 100 });
  const follower = new EventRelay(
    pool,
    store,
    testKafka('relay'),
    {
      name: `${ns}-ready`,
      namespace: ns,
      streamTypes: [widget(ns)],
      partitions: 1,
      pollIntervalMs: 20,
      leaderRetryMs: 50,
    },
    logger,
  );
  relays.push(follower);
  try {
    await follower.start();
    const held = await pool.connect();
    await new Promise((r) => setTimeout(r, 300)); // its attempts to lead fail meanwhile
    held.release();
    await waitFor('the follower to try again', () => follower.role === 'follower');
    await new Promise((r) => setTimeout(r, 300));
    expect(follower.role).toBe('follower');
    expect(follower.kafkaConnected).toBe(true);
  } finally {
    await follower.stop();
    await pool.end();
  }
});

const whenRestartable = kafkaIsRestartable() ? it : it.skip;

whenRestartable(
  'survives a Kafka restart: events written while the broker is down are published after it returns',
  async () => {
    // A broker of its own: stopping the shared one would stall the other suites' clients (see PrivateKafka).
    const kafka = await PrivateKafka.start();
    try {
      const ns = testNamespace();
      const r = relay(ns, 'test-relay', undefined, kafka.brokers);
      await r.start();
      await appendMany(`widget-${ns}:${ns}-before`, 2, 10);
      await waitFor('published before', () => r.publishedCount >= 20);
      kafka.stop();
      try {
        await appendMany(`widget-${ns}:${ns}-during`, 3, 10);
        await new Promise((res) => setTimeout(res, 1500));
        expect(r.publishedCount).toBe(20);
      } finally {
        kafka.start();
      }
      await waitFor('published after', () => r.publishedCount >= 50, 90_000);
      const collector = await collect(ns, [widget(ns)], kafka.brokers);
      await waitFor(
        '50 distinct messages',
        () => new Set(collector.received.map((m) => collector.header(m, HEADER.eventId))).size >= 50,
        60_000,
      );
      await Promise.all(relays.splice(0).map((x) => x.stop()));
      await Promise.all(collectors.splice(0).map((c) => c.stop()));
    } finally {
      kafka.dispose();
    }
  },
);
