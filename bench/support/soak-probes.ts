/**
 * What the soak run reads from a running stack once a minute (or more often): the memory of a PostgreSQL server and a
 * Kafka broker found by their command lines in /proc (Linux), the event store's size, and each consumer group's lag
 * read with the kafkajs admin.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';

function argvOf(pid: string): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

function parentOf(pid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  } catch {
    return undefined;
  }
}

function processIds(): string[] {
  try {
    return readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return [];
  }
}

/**
 * A process's proportional set size in MB (Pss from smaps_rollup: its private pages plus its share of pages it shares
 * with others), or undefined once it has exited. For a PostgreSQL server, the sum of its processes' PSS counts the
 * shared buffers once, where the sum of their RSS would count them once per backend.
 */
export function pssMbOf(pid: number | string): number | undefined {
  try {
    const kb = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The postmaster listening on `port` (its argv holds `-p <port>`), or undefined. */
export function postmasterPid(port: number): string | undefined {
  return processIds().find((pid) => {
    const argv = argvOf(pid);
    if (!argv[0]?.endsWith('/postgres')) return false;
    const p = argv.indexOf('-p');
    return p >= 0 && argv[p + 1] === String(port);
  });
}

/** The PostgreSQL server on `port`: the postmaster and every process it forked (backends, writers), PSS summed. */
export function postgresMemoryMb(port: number): { pssMb: number; processes: number } | undefined {
  const postmaster = postmasterPid(port);
  if (!postmaster) return undefined;
  const tree = [postmaster, ...processIds().filter((pid) => parentOf(pid) === postmaster)];
  let pssMb = 0;
  let processes = 0;
  for (const pid of tree) {
    const mb = pssMbOf(pid);
    if (mb === undefined) continue;
    pssMb += mb;
    processes++;
  }
  return { pssMb, processes };
}

/** The Kafka broker (scripts/kafka.sh: `java … kafka.Kafka <server.properties>`) whose listener is `broker`. */
export function kafkaBrokerPid(broker: string): number | undefined {
  const found = processIds().find((pid) => {
    const argv = argvOf(pid);
    const main = argv.indexOf('kafka.Kafka');
    if (main < 0 || !argv[main + 1]) return false;
    try {
      return readFileSync(argv[main + 1], 'utf8').includes(`PLAINTEXT://${broker},`);
    } catch {
      return false;
    }
  });
  return found === undefined ? undefined : Number(found);
}

export interface EventStoreSize {
  rows: number;
  /** pg_total_relation_size('events'): the table, its indexes and TOAST, in bytes. */
  totalBytes: number;
}

export async function eventStoreSize(pool: Pool): Promise<EventStoreSize> {
  const { rows } = await pool.query<{ rows: string; bytes: string }>(
    "SELECT (SELECT count(*) FROM events) AS rows, pg_total_relation_size('events') AS bytes",
  );
  return { rows: Number(rows[0].rows), totalBytes: Number(rows[0].bytes) };
}

/** One consumer group's offsets: committed (-1: none yet) against each partition's low and high watermarks. */
export interface PartitionOffsets {
  committed: number;
  low: number;
  high: number;
}

/**
 * A group's lag: over its partitions, end offset minus committed offset; a partition it has committed nothing on yet
 * counts every message still there (high - low).
 */
export function groupLag(partitions: PartitionOffsets[]): number {
  return partitions.reduce((sum, p) => sum + Math.max(0, p.committed < 0 ? p.high - p.low : p.high - p.committed), 0);
}

/**
 * Each consumer group's lag on the broker `admin` is connected to (every group there is the stack's): the topics a
 * group has committed offsets on, each partition of them counted by `groupLag`.
 */
export async function consumerLag(admin: Admin): Promise<Record<string, number>> {
  const { groups } = await admin.listGroups();
  const lag: Record<string, number> = {};
  const watermarks = new Map<string, Map<number, { low: number; high: number }>>();
  const watermarksOf = async (topic: string) => {
    let known = watermarks.get(topic);
    if (!known) {
      const offsets = await admin.fetchTopicOffsets(topic);
      known = new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
      watermarks.set(topic, known);
    }
    return known;
  };
  for (const { groupId } of groups.sort((a, b) => a.groupId.localeCompare(b.groupId))) {
    const committedTopics = (await admin.fetchOffsets({ groupId })).map((t) => t.topic);
    if (committedTopics.length === 0) {
      lag[groupId] = 0;
      continue;
    }
    // Asked by topic, every partition of each is answered (-1 where the group committed nothing yet).
    const offsets = await admin.fetchOffsets({ groupId, topics: committedTopics });
    const partitions: PartitionOffsets[] = [];
    for (const topic of offsets) {
      const marks = await watermarksOf(topic.topic);
      for (const p of topic.partitions) {
        const mark = marks.get(p.partition) ?? { low: 0, high: 0 };
        partitions.push({ committed: Number(p.offset), ...mark });
      }
    }
    lag[groupId] = groupLag(partitions);
  }
  return lag;
}
