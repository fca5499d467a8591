import type { Producer } from 'kafkajs';
import type { RecordedEvent } from '@payment-ledger/event-store';
import { JsonLogger, metricsText } from '@payment-ledger/platform';
import { TopicCollector } from '../../../test/support/collector';
import { testKafka, testNamespace } from '../../../test/support/kafka';
import { sampleOf } from '../../../test/support/metrics';
import { TestDatabase } from '../../../test/support/test-database';
import { sleep, waitFor } from '../../../test/support/wait';
import { toKafkaMessage } from './event-envelope';
import { type EventEnvelope } from './event-envelope';
import { type EventHandler, InboxConsumer, type InboxHandler } from './inbox-consumer';
import { deadLetterTopic, ensureTopics, topicForStreamType } from './topics';

let db: TestDatabase;
let producer: Producer;
const logger = new JsonLogger('consumer-test', 'error');
const running: { stop(): Promise<void> }[] = [];

beforeAll(async () => {
  db = await TestDatabase.create();
  await db.pool.query('CREATE TABLE effects (consumer text, event_id text, note text)');
  producer = testKafka('test-producer').producer();
  await producer.connect();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});
afterAll(async () => {
  await producer.disconnect();
  await db.drop();
});

let sequence = 0;
function recorded(streamId: string, version: number, type = 'Happened'): RecordedEvent {
  sequence++;
  return {
    eventId: `evt_test_${process.pid}_${sequence}`,
    type,
    schemaVersion: 1,
    streamId,
    streamType: streamId.split(':')[0],
    streamVersion: version,
    globalPosition: sequence,
    transactionId: String(sequence),
    data: { version },
    metadata: { correlationId: `corr-${sequence}` },
    recordedAt: new Date(),
  };
}

async function createTopic(ns: string): Promise<string> {
  const topic = topicForStreamType(ns, 'thing');
  const admin = testKafka('admin').admin();
  await admin.connect();
  await ensureTopics(admin, [topic], 2);
  await admin.disconnect();
  return topic;
}

async function consumer(
  ns: string,
  name: string,
  handler: InboxHandler,
  maxAttempts = 3,
  eventTypes?: string[],
): Promise<InboxConsumer> {
  const topic = await createTopic(ns);
  const c = new InboxConsumer(
    db.pool,
    testKafka(name),
    {
      name: `${ns}-${name}`,
      namespace: ns,
      topics: [topic],
      partitions: 2,
      maxAttempts,
      retryBackoffMs: 10,
      sessionTimeoutMs: 6000,
      eventTypes,
    },
    handler,
    logger,
  );
  await c.start();
  running.push(c);
  return c;
}

const effectsOf = async (name: string) =>
  (
    await db.pool.query<{ event_id: string; note: string }>('SELECT event_id, note FROM effects WHERE consumer = $1', [
      name,
    ])
  ).rows;

const record: (name: string) => EventHandler = (name) => async (event, session) => {
  await session.query('INSERT INTO effects VALUES ($1, $2, $3)', [name, event.eventId, event.type]);
};

it('applies a redelivered event once', async () => {
  const ns = testNamespace();
  const events = [recorded('thing:1', 1), recorded('thing:1', 2)];
  const topic = topicForStreamType(ns, 'thing');
  const c = await consumer(ns, 'dedupe', { handle: record('dedupe') });
  await producer.send({ topic, messages: [...events, events[0], events[1], events[0]].map(toKafkaMessage) });
  await waitFor('five deliveries handled', () => c.handledCount >= 5);
  expect((await effectsOf('dedupe')).map((r) => r.event_id).sort()).toEqual(events.map((e) => e.eventId).sort());
});

it('passes over event types it was not registered for, without an inbox row', async () => {
  const ns = testNamespace();
  const wanted = recorded('thing:3', 2, 'Wanted');
  await consumer(ns, 'typed', { handle: record('typed') }, 3, ['Wanted']);
  await producer.send({
    topic: topicForStreamType(ns, 'thing'),
    messages: [recorded('thing:3', 1, 'Other'), wanted].map(toKafkaMessage),
  });
  await waitFor('the wanted event', async () => (await effectsOf('typed')).length === 1);
  expect((await effectsOf('typed')).map((r) => r.event_id)).toEqual([wanted.eventId]);
  const inbox = await db.pool.query('SELECT event_id FROM inbox WHERE consumer = $1', [`${ns}-typed`]);
  expect(inbox.rows.map((r) => r.event_id)).toEqual([wanted.eventId]);
});

it('passes over other types by their event-type header without parsing them, and parses a message without one', async () => {
  const ns = testNamespace();
  await consumer(ns, 'by-header', { handle: record('by-header') }, 3, ['Wanted']);
  const dlq = await new TopicCollector().start([deadLetterTopic(ns)]);
  running.push(dlq);
  const wanted = recorded('thing:4', 2, 'Wanted');
  const withoutHeaders = recorded('thing:4', 3, 'Wanted');
  await producer.send({
    topic: topicForStreamType(ns, 'thing'),
    messages: [
      // Not an envelope at all, but its header says it is of a type this consumer does not take: never parsed.
      { key: 'thing:4', value: 'not json at all', headers: { 'event-type': 'Other' } },
      toKafkaMessage(wanted),
      { key: 'thing:4', value: toKafkaMessage(withoutHeaders).value },
    ],
  });
  await waitFor('both wanted events', async () => (await effectsOf('by-header')).length === 2);
  expect((await effectsOf('by-header')).map((r) => r.event_id).sort()).toEqual(
    [wanted.eventId, withoutHeaders.eventId].sort(),
  );
  await sleep(500);
  expect(dlq.received).toEqual([]);
});

it('rolls back the effects of a failed attempt and applies the event once when a retry succeeds', async () => {
  const ns = testNamespace();
  let calls = 0;
  const c = await consumer(ns, 'flaky', {
    handle: async (event, session) => {
      calls++;
      await session.query('INSERT INTO effects VALUES ($1, $2, $3)', ['flaky', event.eventId, `attempt ${calls}`]);
      if (calls < 3) throw new Error('not yet');
    },
  });
  await producer.send({ topic: topicForStreamType(ns, 'thing'), messages: [toKafkaMessage(recorded('thing:2', 1))] });
  await waitFor('handled', () => c.handledCount >= 1);
  expect((await effectsOf('flaky')).map((r) => r.note)).toEqual(['attempt 3']);
});

it('sends a poison event to the dead-letter topic after bounded retries and goes on with the next ones', async () => {
  const ns = testNamespace();
  let poisonAttempts = 0;
  await consumer(ns, 'poison', {
    handle: async (event, session) => {
      if (event.type === 'Poison') {
        poisonAttempts++;
        throw new Error('cannot handle this');
      }
      await record('poison')(event, session);
    },
  });
  const dlq = await new TopicCollector().start([deadLetterTopic(ns)]); // the consumer created the topic
  running.push(dlq);
  const poison = recorded('thing:3', 1, 'Poison');
  const next = recorded('thing:3', 2);
  await producer.send({
    topic: topicForStreamType(ns, 'thing'),
    messages: [toKafkaMessage(poison), toKafkaMessage(next), { key: 'thing:3', value: 'not json at all' }],
  });
  await waitFor('two dead letters', () => dlq.received.length >= 2, 60_000);
  await waitFor('the next event handled', async () => (await effectsOf('poison')).length === 1);
  expect(poisonAttempts).toBe(3);
  const [first, second] = dlq.received;
  expect(dlq.header(first, 'event-id')).toBe(poison.eventId);
  expect(dlq.header(first, 'dlq-error')).toBe('cannot handle this');
  expect(dlq.header(first, 'dlq-consumer')).toBe(`${ns}-poison`);
  expect(second.message.value?.toString()).toBe('not json at all');
  const inbox = await db.pool.query('SELECT outcome FROM inbox WHERE consumer = $1 AND event_id = $2', [
    `${ns}-poison`,
    poison.eventId,
  ]);
  expect(inbox.rows).toEqual([{ outcome: 'dead_lettered' }]);
  const text = await metricsText();
  const topic = topicForStreamType(ns, 'thing');
  expect(sampleOf(text, `payment_ledger_messages_dead_lettered_total{consumer="${ns}-poison",topic="${topic}"}`)).toBe(
    2,
  );
  expect(sampleOf(text, `payment_ledger_consumer_events_total{consumer="${ns}-poison"}`)).toBe(1);
});

it("reports each partition's lag after each batch: its high watermark minus the next offset to consume", async () => {
  const ns = testNamespace();
  const topic = await createTopic(ns);
  // More than one fetch brings of a partition (1 MB): the first batch leaves the rest behind it.
  const events = Array.from({ length: 2000 }, (_, i) => ({
    ...recorded('thing:lag', i + 1),
    data: { pad: 'x'.repeat(900) },
  }));
  for (let i = 0; i < events.length; i += 200) {
    await producer.send({ topic, messages: events.slice(i, i + 200).map(toKafkaMessage) });
  }
  let batches = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const c = await consumer(ns, 'lagging', {
    handleBatch: async () => {
      if (++batches === 2) await held; // the second batch waits while the test reads the first one's lag
    },
  });
  const lagOf = async () => {
    const text = await metricsText();
    const values = [0, 1].map((p) =>
      sampleOf(
        text,
        `payment_ledger_consumer_lag_messages{consumer="${ns}-lagging",topic="${topic}",partition="${p}"}`,
      ),
    );
    return values.filter((v) => !Number.isNaN(v));
  };
  try {
    await waitFor('the second batch', () => batches >= 2, 60_000);
    const [behind] = await lagOf();
    expect(behind).toBeGreaterThan(0);
    expect(behind).toBeLessThan(2000);
  } finally {
    release();
  }
  await waitFor('every event handled', () => c.handledCount >= 2000, 60_000);
  await waitFor('no lag left', async () => (await lagOf())[0] === 0);
});

describe('a batch handler', () => {
  /** Sends the events before the consumer starts, so that its first fetch takes them as one batch. */
  async function deliverAsOneBatch(ns: string, name: string, events: RecordedEvent[], handler: InboxHandler) {
    await producer.send({ topic: await createTopic(ns), messages: events.map(toKafkaMessage) });
    return consumer(ns, name, handler);
  }
  const idsOf = (events: EventEnvelope[]) => events.map((e) => e.eventId);

  it('takes the fresh events of a batch at once, in order', async () => {
    const ns = testNamespace();
    const events = [recorded('thing:4', 1), recorded('thing:4', 2), recorded('thing:4', 3)];
    await db.pool.query('INSERT INTO inbox (consumer, event_id) VALUES ($1, $2)', [`${ns}-batch`, events[1].eventId]);
    const batches: string[][] = [];
    const c = await deliverAsOneBatch(ns, 'batch', [...events, events[0]], {
      handleBatch: async (batch) => void batches.push(idsOf(batch)),
    });
    await waitFor('the batch handled', () => c.handledCount >= 4);
    expect(batches).toEqual([[events[0].eventId, events[2].eventId]]);
  });

  it('takes the events of a failed batch one at a time, with retries', async () => {
    const ns = testNamespace();
    const events = [recorded('thing:5', 1), recorded('thing:5', 2)];
    const batches: string[][] = [];
    let callsWithOne = 0;
    const c = await deliverAsOneBatch(ns, 'split', events, {
      handleBatch: async (batch, session) => {
        batches.push(idsOf(batch));
        if (batch.length > 1) throw new Error('not as a batch');
        if (++callsWithOne === 1) throw new Error('not the first time either');
        await record('split')(batch[0], session);
      },
    });
    await waitFor('both handled', () => c.handledCount >= 2);
    const [first, second] = events.map((e) => e.eventId);
    expect(batches).toEqual([[first, second], [first], [first], [second]]);
    expect((await effectsOf('split')).map((r) => r.event_id)).toEqual([first, second]);
  });
});
