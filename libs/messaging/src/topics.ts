import type { Admin } from 'kafkajs';

/**
 * One topic per stream type and schema generation: `<namespace>.<streamType>.v1`, keyed by stream id so one
 * stream's events stay in order on one partition. Poison messages go to `<namespace>.dead-letter.v1`.
 */
export function topicForStreamType(namespace: string, streamType: string): string {
  return `${namespace}.${streamType}.v1`;
}

export function deadLetterTopic(namespace: string): string {
  return `${namespace}.dead-letter.v1`;
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: string[], numPartitions: number): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...new Set(topics)].filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
  });
}

/**
 * Deletes every topic and consumer group whose name starts with `prefix` (a namespace with its dot, say
 * `payment-ledger.`, or a test run's `t1a2b3c`): what a benchmark or a test run made. Groups with members left are
 * kept (Kafka refuses to delete them). Returns how many topics it deleted.
 */
export async function deleteTopicsAndGroups(admin: Admin, prefix: string): Promise<number> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
  return topics.length;
}
