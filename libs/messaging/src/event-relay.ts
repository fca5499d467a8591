import type { Kafka, Producer, TopicMessages } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import type { LogCursor, PostgresEventStore, RecordedEvent } from '@payment-ledger/event-store';
import { eventsRelayed, type JsonLogger, readOnScrape, relayLag, relayLeader } from '@payment-ledger/platform';
import { toKafkaMessage } from './event-envelope';
import { readLogCheckpoint, saveLogCheckpoint } from './log-checkpoints';
import { ensureTopics, topicForStreamType } from './topics';

export interface EventRelayOptions {
  /** Names the checkpoint and the leadership lock: relays with one name share both. */
  name: string;
  namespace: string;
  /** Publish only these stream types (default: every stream type). Their topics are created at start-up. */
  streamTypes?: string[];
  partitions: number;
  batchSize?: number;
  /** Pause after an empty read. */
  pollIntervalMs?: number;
  /** How often a follower tries to take over leadership. */
  leaderRetryMs?: number;
}

type RelayState = 'stopped' | 'follower' | 'leader';

/** Relay lag is counted up to this many events: beyond, the number only says "far behind", and costs more to count. */
const RELAY_LAG_LIMIT = 100_000;

/** How long a stopping leader keeps publishing what is committed (a part of the service's shutdown deadline). */
const FLUSH_MS = 5_000;

/**
 * Tails the event store (the store is the outbox) and publishes every event to its stream type's topic, keyed by
 * stream id, with an idempotent producer; then moves its checkpoint in PostgreSQL. At-least-once: a crash between
 * publishing and checkpointing republishes that batch, and consumers drop the duplicates through their inbox.
 *
 * Only one relay of a given name publishes at a time: the leader holds a PostgreSQL session advisory lock on a
 * dedicated connection. When the leader dies its connection closes, the lock is released, and a follower takes
 * over within `leaderRetryMs`. The checkpoint is written over that same connection, so a relay that lost its
 * connection (and with it the lock) can no longer move the checkpoint.
 */
export class EventRelay {
  private state: RelayState = 'stopped';
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private lockConnection?: PoolClient;
  private producer?: Producer;
  /** Where this leader has published up to: read from the checkpoint once per leadership, then kept here. */
  private cursor?: LogCursor;
  private readonly knownTopics = new Set<string>();
  private published = 0;
  private failures = 0;
  /** Whether its last attempt to publish failed on Kafka's side (not the database's): what readiness reports. */
  private kafkaFailed = false;
  private readonly stopReadingMetrics: (() => void)[] = [];

  constructor(
    private readonly pool: Pool,
    private readonly store: PostgresEventStore,
    private readonly kafka: Kafka,
    private readonly options: EventRelayOptions,
    private readonly logger: JsonLogger,
  ) {}

  get role(): RelayState {
    return this.state;
  }

  get publishedCount(): number {
    return this.published;
  }

  /**
   * Whether its Kafka side works: started (its topics made) and, while it leads, its last publish did not fail on
   * Kafka. A database failure is not a Kafka one, and a follower publishes nothing: it counts as connected (its
   * service's consumers tell whether Kafka can be reached). An idle leader holds no connection either, so it counts as
   * connected until a publish fails.
   */
  get kafkaConnected(): boolean {
    return this.running && !this.kafkaFailed;
  }

  /** Creates its topics, then tails the store. Throws (and may be called again) when Kafka cannot be reached. */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.options.streamTypes) {
      await this.withAdmin((admin) =>
        ensureTopics(
          admin,
          this.options.streamTypes!.map((t) => topicForStreamType(this.options.namespace, t)),
          this.options.partitions,
        ),
      );
    }
    this.running = true;
    this.failures = 0;
    this.kafkaFailed = false;
    this.state = 'follower';
    this.loop = this.run();
    const relay = { relay: this.options.name };
    this.stopReadingMetrics.push(
      readOnScrape(relayLeader, () => [{ labels: relay, value: this.state === 'leader' ? 1 : 0 }]),
      readOnScrape(relayLag, async () => {
        const lag = await this.lag();
        return lag === undefined ? [] : [{ labels: relay, value: lag }];
      }),
    );
  }

  /**
   * Events of its stream types past what it published (at most RELAY_LAG_LIMIT): asked when Prometheus scrapes, one
   * count from where it knows it is, never a query per publish. Only the leader knows: undefined on a follower (and
   * on a leader that has not read its checkpoint yet).
   */
  async lag(): Promise<number | undefined> {
    const cursor = this.cursor;
    if (this.state !== 'leader' || !cursor) return undefined;
    return this.store.countAfter(cursor, { streamTypes: this.options.streamTypes, limit: RELAY_LAG_LIMIT });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const stopReading of this.stopReadingMetrics.splice(0)) stopReading();
    this.wake?.();
    await this.loop;
    await this.flush();
    this.releaseLeadership();
    await this.producer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.state !== 'leader' && !(await this.tryLead())) {
          await this.sleep(this.options.leaderRetryMs ?? 1000);
          continue;
        }
        const moved = await this.publishNextBatch();
        this.failures = 0;
        if (moved < (this.options.batchSize ?? 500)) await this.sleep(this.options.pollIntervalMs ?? 50);
      } catch (error) {
        const failures = ++this.failures;
        this.logger.event('warn', 'relay.publish_failed', { relay: this.options.name, failures, error });
        await this.producer?.disconnect().catch(() => undefined);
        this.producer = undefined;
        if (this.state !== 'leader') this.releaseLeadership(); // the lock connection failed: the lock is gone
        await this.sleep(Math.min(5000, 100 * 2 ** Math.min(this.failures, 6)));
      }
    }
  }

  /**
   * On the way out, a leader publishes what was committed before it stopped (within FLUSH_MS), so that events reach
   * Kafka now rather than when the next leader takes over; whatever is left, the next leader publishes.
   */
  private async flush(): Promise<void> {
    if (this.state !== 'leader' || this.kafkaFailed) return;
    const deadline = Date.now() + FLUSH_MS;
    try {
      while (Date.now() < deadline && (await this.publishNextBatch()) > 0);
    } catch (error) {
      this.logger.event('warn', 'relay.flush_failed', { relay: this.options.name, error });
    }
  }

  private async publishNextBatch(): Promise<number> {
    const lock = this.lockConnection!;
    // Only the leader moves the checkpoint, so while it leads the checkpoint is what it last saved.
    const cursor = (this.cursor ??= await readLogCheckpoint(lock, this.options.name));
    const { events, cursor: next } = await this.store.readAll(cursor, {
      limit: this.options.batchSize ?? 500,
      streamTypes: this.options.streamTypes,
    });
    if (events.length === 0) return 0;
    try {
      const producer = await this.connectedProducer();
      await this.ensureTopicsFor(events);
      await producer.sendBatch({ acks: -1, topicMessages: groupByTopic(this.options.namespace, events) });
    } catch (error) {
      this.kafkaFailed = true;
      throw error;
    }
    this.kafkaFailed = false;
    await saveLogCheckpoint(lock, this.options.name, next);
    this.cursor = next;
    this.published += events.length;
    eventsRelayed.inc({ relay: this.options.name }, events.length);
    return events.length;
  }

  private async tryLead(): Promise<boolean> {
    const connection = await this.pool.connect();
    try {
      const { rows } = await connection.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
        [`payment-ledger.relay.${this.options.name}`],
      );
      if (!rows[0].locked) {
        connection.release();
        return false;
      }
    } catch (error) {
      connection.release(true);
      throw error;
    }
    // Only the held lock connection gets a listener: a follower's attempts return their connection to the pool,
    // and a listener added on each attempt would pile up on the same pooled client.
    // Its session dying (terminated, the network gone) ends the lock: the relay is a follower again, and the dead
    // connection is released at once, destroyed, so the pool gets its slot back (held, it would be lost for good
    // each time, and after a few deaths the relay could not take a connection to lead again).
    connection.on('error', () => {
      if (this.lockConnection === connection) this.releaseLeadership();
    });
    this.lockConnection = connection;
    this.cursor = undefined;
    this.state = 'leader';
    this.logger.event('info', 'relay.leader_elected', { relay: this.options.name });
    return true;
  }

  private releaseLeadership(): void {
    const connection = this.lockConnection;
    this.lockConnection = undefined;
    this.cursor = undefined;
    this.kafkaFailed = false; // a follower publishes nothing (see kafkaConnected)
    if (this.state === 'leader') this.state = 'follower';
    if (!connection) return;
    // Closing the session releases its advisory locks whatever state the connection is in.
    connection.release(true);
  }

  private async connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      this.producer = producer;
    }
    return this.producer;
  }

  private async ensureTopicsFor(events: RecordedEvent[]): Promise<void> {
    const missing = [...new Set(events.map((e) => topicForStreamType(this.options.namespace, e.streamType)))].filter(
      (t) => !this.knownTopics.has(t),
    );
    if (missing.length === 0) return;
    await this.withAdmin((admin) => ensureTopics(admin, missing, this.options.partitions));
    missing.forEach((t) => this.knownTopics.add(t));
  }

  private async withAdmin<T>(fn: (admin: ReturnType<Kafka['admin']>) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function groupByTopic(namespace: string, events: RecordedEvent[]): TopicMessages[] {
  const byTopic = new Map<string, TopicMessages>();
  for (const event of events) {
    const topic = topicForStreamType(namespace, event.streamType);
    let entry = byTopic.get(topic);
    if (!entry) byTopic.set(topic, (entry = { topic, messages: [] }));
    entry.messages.push(toKafkaMessage(event));
  }
  return [...byTopic.values()];
}
