/**
 * `replay` against a real Kafka broker: a topic of this test's namespace whose messages carry known timestamps, a
 * consumer group that has read it all. The dry run's table, the reset and a consumer of the group reading again from
 * there, and the refusals: live members, and a `--from` before what the topic retains (deleteRecords moves the low
 * watermark as retention would).
 */
import type { Admin, Kafka } from 'kafkajs';
import { topicForStreamType } from '@payment-ledger/messaging';
import { kafkaBrokers, testKafka, testNamespace } from '../../../../../test/support/kafka';
import { waitFor } from '../../../../../test/support/wait';
import { cli } from '../cli-test-io.spec-support';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

let kafka: Kafka;
let admin: Admin;
let namespace: string;
let env: Record<string, string>;

beforeAll(async () => {
  kafka = testKafka('cli-replay-test');
  admin = kafka.admin();
  await admin.connect();
  namespace = testNamespace();
  env = { KAFKA_BROKERS: kafkaBrokers().join(','), KAFKA_TOPIC_NAMESPACE: namespace };
});
afterAll(async () => {
  await admin?.disconnect();
});

/** A topic of 2 partitions with `perPartition` messages each, the i-th stamped T0 + i s. */
async function topicWithMessages(streamType: string, perPartition: number): Promise<string> {
  const topic = topicForStreamType(namespace, streamType);
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 2, replicationFactor: 1 }] });
  const producer = kafka.producer();
  await producer.connect();
  for (const partition of [0, 1]) {
    await producer.send({
      topic,
      messages: Array.from({ length: perPartition }, (_, i) => ({
        partition,
        value: `${partition}-${i}`,
        timestamp: String(T0 + i * 1000),
      })),
    });
  }
  await producer.disconnect();
  return topic;
}

/** Runs a consumer of `groupId` until it has read `count` messages (committing them), then stops it. */
async function consume(groupId: string, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${seen.length} of ${count}`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value!.toString());
        if (seen.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return seen.sort();
}

it('--dry-run prints current → new offsets and what replays, per partition, and changes nothing', async () => {
  const topic = await topicWithMessages('charge', 10);
  const group = `${namespace}.downstream-a`;
  await consume(group, topic, 20);

  const { code, out, err } = await cli(
    env,
    'replay',
    '--topic',
    'charge',
    '--group',
    'downstream-a',
    '--from',
    at(6),
    '--dry-run',
  );
  expect([code, err]).toEqual([0, 'dry run: nothing changed\n']);
  expect(out).toBe(
    [
      `dry run: replay ${topic} for group ${group} from ${at(6)}`,
      'partition  current     new  replays  retained',
      '0          10       →  6    4        0..9',
      '1          10       →  6    4        0..9',
      'total: 8 message(s) to replay',
      '',
    ].join('\n'),
  );
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  expect(committed.partitions.map((p) => p.offset)).toEqual(['10', '10']);
});

it('resets the group, and its consumer reads again from there', async () => {
  const topic = await topicWithMessages('refund', 10);
  const group = `${namespace}.downstream-b`;
  await consume(group, topic, 20);

  const { code, out } = await cli(env, 'replay', '--topic', topic, '--group', group, '--from', at(7));
  expect(code).toBe(0);
  expect(out).toContain('total: 6 message(s) to replay');
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  expect(committed.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
    [0, '7'],
    [1, '7'],
  ]);
  expect(await consume(group, topic, 6)).toEqual(['0-7', '0-8', '0-9', '1-7', '1-8', '1-9']);
});

it('refuses while the group has live members', async () => {
  const topic = await topicWithMessages('agreement', 3);
  const group = `${namespace}.downstream-c`;
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let read = 0;
  await consumer.run({ eachMessage: async () => void (read += 1) });
  try {
    await waitFor(
      'the consumer joined and read',
      async () => (await admin.describeGroups([group])).groups[0].state === 'Stable' && read === 6,
      30_000,
    );
    const { code, err } = await cli(env, 'replay', '--topic', 'agreement', '--group', group, '--from', 'earliest');
    expect(code).toBe(1);
    expect(err).toMatch(
      /^refused: consumer group .*downstream-c has 1 live member\(s\) \(Stable\): stop its consumers/,
    );
  } finally {
    await consumer.disconnect();
  }
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  expect(committed.partitions.map((p) => p.offset)).toEqual(['3', '3']);
});

it('refuses a --from before what the topic retains, and says to rebuild from the log', async () => {
  const topic = await topicWithMessages('billing-schedule', 10);
  const group = `${namespace}.downstream-d`;
  await consume(group, topic, 20);
  // Retention deleted partition 0's first 4 messages (the admin finds the leader in the topic's metadata).
  await admin.fetchTopicMetadata({ topics: [topic] });
  await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '4' }] });

  for (const from of ['earliest', at(2)]) {
    const { code, out, err } = await cli(env, 'replay', '--topic', topic, '--group', group, '--from', from);
    expect(code).toBe(1);
    expect(out).toContain('0          10       →  4    6        4..9');
    expect(err).toContain(
      `refused: --from ${from} lies before what ${topic} still retains (partition 0 holds offsets 4..9)`,
    );
    expect(err).toContain('payment-ledger rebuild <projection>');
  }
  // After what was deleted, the same reset goes ahead.
  const { code } = await cli(env, 'replay', '--topic', topic, '--group', group, '--from', at(5));
  expect(code).toBe(0);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  expect(committed.partitions.map((p) => p.offset)).toEqual(['5', '5']);
});

it('usage: a bad --from is exit 2, a missing required option is exit 2, an unknown topic exit 1', async () => {
  expect((await cli(env, 'replay', '--topic', 'charge', '--group', 'g', '--from', 'yesterday')).code).toBe(2);
  const missing = await cli(env, 'replay', '--topic', 'charge', '--from', 'earliest');
  expect([missing.code, missing.err]).toEqual([2, expect.stringContaining("required option '--group <group>'")]);
  const unknown = await cli(env, 'replay', '--topic', 'nothing-here', '--group', 'g', '--from', 'earliest');
  expect([unknown.code, unknown.err]).toEqual([1, `no topic ${namespace}.nothing-here.v1\n`]);
});
