import { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { createKafka, topicForStreamType } from '@payment-ledger/messaging';
import { cliConfig, cliKafkaConfigSchema } from '../cli-config';
import { type CommandContext, say } from '../command-context';
import { badUsage, problemFound } from '../exit-codes';
import { instant } from '../arguments';

interface ReplayOptions {
  topic: string;
  group: string;
  from: string;
  dryRun?: boolean;
}

/** One partition's reset: from the group's committed offset to the one `--from` names. */
export interface PartitionReset {
  partition: number;
  /** The group's committed offset; null: it has committed none on this partition. */
  current: number | null;
  next: number;
  /** The partition's low and high watermarks (first retained offset; offset after the last). */
  low: number;
  high: number;
  /** Messages the group will read again (or, with no committed offset, read at all) from `next`. */
  replays: number;
}

/**
 * `replay`: moves a Kafka consumer group's committed offsets back (to an instant, or to the earliest retained message)
 * so a downstream consumer reads again from there. Only what Kafka still holds can be replayed: it refuses when
 * `--from` lies before the topic's retention (the log, not Kafka, is the source: `rebuild` reads it from position 0),
 * and while the group has members (Kafka would refuse the reset, and a running member would overwrite it).
 */
export function replayCommand(context: CommandContext): Command {
  return new Command('replay')
    .description("reset a Kafka consumer group's offsets to an instant so a downstream consumer reprocesses")
    .requiredOption('--topic <topic>', 'the topic, or a stream type (charge) for <namespace>.charge.v1')
    .requiredOption('--group <group>', 'the consumer group, or a consumer name (without a dot) for <namespace>.<name>')
    .requiredOption('--from <time|earliest>', 'an ISO 8601 instant, or earliest')
    .option('--dry-run', 'print what would change, per partition, and change nothing')
    .addHelpText(
      'after',
      `
Prints, per partition, the group's committed offset, the new one and how many messages that replays (a table on
stdout); without --dry-run it then sets them. Refuses (exit 1) while the group has live members (stop its consumers
first), and when --from lies before what the topic still retains (retention has deleted messages from there on, or
the earliest message still held is later than --from): Kafka cannot replay what it no longer holds. Rebuild the
read model from the event log instead: payment-ledger rebuild <projection>.

Examples:
  $ npm run cli -- replay --topic charge --group webhooks-merchant-events --from 2026-03-01T00:00:00Z --dry-run
  $ npm run cli -- replay --topic payment-ledger.refund.v1 --group payment-ledger.charges-refund-progress --from earliest`,
    )
    .action(async (options: ReplayOptions) => runReplay(context, options));
}

async function runReplay(context: CommandContext, options: ReplayOptions): Promise<void> {
  const from = options.from === 'earliest' ? 'earliest' : parseFrom(options.from);
  const config = cliConfig(cliKafkaConfigSchema, context.io);
  const namespace = config.KAFKA_TOPIC_NAMESPACE;
  const topic = options.topic.includes('.') ? options.topic : topicForStreamType(namespace, options.topic);
  const groupId = options.group.includes('.') ? options.group : `${namespace}.${options.group}`;
  const admin = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'payment-ledger-cli' }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) throw problemFound(`no topic ${topic}`);
    const resets = await planReset(admin, topic, groupId, from);
    context.io.stdout.write(resetTable(topic, groupId, options.from, resets, options.dryRun === true));
    const [group] = (await admin.describeGroups([groupId])).groups;
    if (group && group.members.length > 0) {
      throw problemFound(
        `refused: consumer group ${groupId} has ${group.members.length} live member(s) (${group.state}): ` +
          `stop its consumers, then run replay again`,
      );
    }
    // `earliest` misses what retention deleted (low > 0). An instant misses it too when it lands on the first offset
    // still held of a partition that has (had) messages: older messages were deleted, or were never in this topic.
    const lost = resets.filter((r) =>
      from === 'earliest' ? r.low > 0 : r.next === r.low && (r.low > 0 || r.high > r.low),
    );
    if (lost.length > 0) {
      const where = lost.map((r) => `partition ${r.partition} holds offsets ${r.low}..${r.high - 1}`).join('; ');
      throw problemFound(
        `refused: --from ${options.from} lies before what ${topic} still retains (${where}): ` +
          `Kafka cannot replay what its retention has deleted or never held. The event log is the source: ` +
          `rebuild the read model from it with \`payment-ledger rebuild <projection>\``,
      );
    }
    if (options.dryRun) {
      say(context, 'dry run: nothing changed');
      return;
    }
    await admin.setOffsets({
      groupId,
      topic,
      partitions: resets.map((r) => ({ partition: r.partition, offset: String(r.next) })),
    });
    say(context, `reset ${groupId} on ${topic}: ${resets.reduce((n, r) => n + r.replays, 0)} message(s) to replay`);
  } finally {
    await admin.disconnect();
  }
}

function parseFrom(value: string): Date {
  try {
    return instant(value);
  } catch {
    throw badUsage(`--from must be an ISO 8601 instant with a zone (2026-03-01T12:00:00Z) or earliest, got "${value}"`);
  }
}

/** Per partition: where the group is, where `from` is, and the watermarks. */
export async function planReset(
  admin: Admin,
  topic: string,
  groupId: string,
  from: Date | 'earliest',
): Promise<PartitionReset[]> {
  const watermarks = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const targets =
    from === 'earliest'
      ? watermarks.map((w) => ({ partition: w.partition, offset: w.low }))
      : await admin.fetchTopicOffsetsByTimestamp(topic, from.getTime());
  return watermarks
    .map((w) => {
      const low = Number(w.low);
      const high = Number(w.high);
      const offset = Number(committed?.partitions.find((p) => p.partition === w.partition)?.offset ?? -1);
      const current = offset >= 0 ? offset : null;
      const next = Math.max(Number(targets.find((t) => t.partition === w.partition)?.offset ?? high), low);
      // With no committed offset the group would read the whole partition from `next` on.
      const replays = current === null ? high - next : Math.max(current - next, 0);
      return { partition: w.partition, current, next, low, high, replays };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** The per-partition table: `partition  current → new  replays  (retained low..high)`. */
export function resetTable(
  topic: string,
  groupId: string,
  from: string,
  resets: PartitionReset[],
  dryRun: boolean,
): string {
  const header = ['partition', 'current', '', 'new', 'replays', 'retained'];
  const rows = resets.map((r) => [
    String(r.partition),
    r.current === null ? '-' : String(r.current),
    '→',
    String(r.next),
    String(r.replays),
    r.high > r.low ? `${r.low}..${r.high - 1}` : `none (next ${r.high})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const total = resets.reduce((n, r) => n + r.replays, 0);
  return [
    `${dryRun ? 'dry run: ' : ''}replay ${topic} for group ${groupId} from ${from}`,
    line(header),
    ...rows.map(line),
    `total: ${total} message(s) to replay`,
    '',
  ].join('\n');
}
