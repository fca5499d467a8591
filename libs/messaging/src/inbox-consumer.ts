import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Pool, PoolClient } from 'pg';
import { ConcurrencyError, inTransaction } from '@payment-ledger/event-store';
import {
  consumerEventsHandled,
  consumerLag,
  type JsonLogger,
  messagesDeadLettered,
  withLogContext,
} from '@payment-ledger/platform';
import {
  type EventEnvelope,
  eventLogContext,
  fromKafkaMessage,
  HEADER,
  headerString,
  MalformedMessageError,
} from './event-envelope';
import { deadLetterTopic, ensureTopics } from './topics';

/** Handles one event inside the transaction that also records it in the inbox: both commit or neither. */
export type EventHandler = (event: EventEnvelope, session: PoolClient) => Promise<void>;

/**
 * Handles the fresh events of a batch at once, in order, inside the transaction that records them in the inbox: for
 * work that is cheaper set-based. An event retried on its own (after the batch failed) comes as a batch of one.
 */
export type BatchEventHandler = (events: EventEnvelope[], session: PoolClient) => Promise<void>;

/** What a consumer calls with its fresh events: `handle` with each one, or `handleBatch` with all of a batch. */
export type InboxHandler = { handle: EventHandler } | { handleBatch: BatchEventHandler };

export interface InboxConsumerOptions {
  /** Consumer group id and inbox name. */
  name: string;
  namespace: string;
  topics: string[];
  /** Partition count for topics this consumer has to create (its subscriptions and the dead-letter topic). */
  partitions: number;
  /** Attempts for an event whose handler keeps failing before it goes to the dead-letter topic. */
  maxAttempts?: number;
  retryBackoffMs?: number;
  sessionTimeoutMs?: number;
  /** Partitions processed at once (order within a partition is kept). */
  concurrency?: number;
  /**
   * Only these event types reach the handler; others are passed over without a database round trip (their offsets
   * are still committed). Omitted: every type.
   */
  eventTypes?: readonly string[];
  /** How long a fetch may wait for its batch to fill (default 100 ms); see KAFKA_CONSUMER_MAX_WAIT_MS. */
  maxWaitMs?: number;
}

/**
 * A Kafka consumer that applies each event at most once per consumer name: the inbox row (consumer, event id) is
 * inserted in the same PostgreSQL transaction as the handler's effects, so a redelivered event finds its row and
 * is skipped. Offsets are committed only after the events they cover are committed in PostgreSQL.
 *
 * The inbox writes are SQL, not InboxEntity's repository: they run in the consumer's own pg session, inside the
 * transaction of the handler's effects, on every consumed batch, as one `INSERT … ON CONFLICT DO NOTHING RETURNING`
 * that says which events are new (a repository would need a read and a write, or lose the RETURNING of the skipped).
 *
 * A handler that throws is retried with backoff; after `maxAttempts` the message goes to the dead-letter topic and
 * is recorded as dead-lettered, so it does not block its partition. Failures of the infrastructure itself (the
 * database unreachable, a serialization failure, a concurrency conflict) are not the message's fault: they are
 * retried for as long as the consumer runs and never dead-lettered.
 */
export class InboxConsumer {
  private consumer?: Consumer;
  private producer?: Producer;
  private running = false;
  private connected = false;
  private handled = 0;
  /** The partitions it reported a lag for (`topic\u0000partition`): dropped when a rebalance takes one away. */
  private readonly lagReported = new Set<string>();

  constructor(
    private readonly pool: Pool,
    private readonly kafka: Kafka,
    private readonly options: InboxConsumerOptions,
    private readonly handler: InboxHandler,
    private readonly logger: JsonLogger,
  ) {}

  get handledCount(): number {
    return this.handled;
  }

  /**
   * Whether it is connected: its group joined and its consumer not crashed since (kafkajs restarts a consumer that
   * crashed on a retriable error, and it joins again).
   */
  get kafkaConnected(): boolean {
    return this.running && this.connected;
  }

  /**
   * Creates its topics, connects and joins its group. Throws when Kafka cannot be reached, leaving nothing open, and
   * may then be called again (MessagingModule keeps calling it in the background until it works).
   */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.connect();
      // Stopped while it connected: leave nothing open.
      if (!this.running) await this.disconnect();
    } catch (error) {
      this.running = false;
      await this.disconnect();
      throw error;
    }
  }

  private async connect(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = [...this.options.topics, deadLetterTopic(this.options.namespace)];
      await ensureTopics(admin, topics, this.options.partitions);
    } finally {
      await admin.disconnect();
    }
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    const consumer = this.kafka.consumer({
      // Namespaced like the topics: deployments (and test runs) sharing a broker never share a group.
      groupId: consumerGroupId(this.options.namespace, this.options.name),
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: Math.floor((this.options.sessionTimeoutMs ?? 10_000) / 4),
      allowAutoTopicCreation: false,
      // Let batches fill: one transaction per partition's batch is the point, and each costs five statements.
      // At 1,000 creates/s this took the charge list's transactions from ~95/s (16 KB, 50 ms) to ~40/s.
      minBytes: 256 * 1024,
      maxWaitTimeInMs: this.options.maxWaitMs ?? 100,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      this.connected = true;
      this.forgetLagOfPartitionsNotIn(event.payload.memberAssignment);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.connected = false;
      this.logger.event('warn', 'consumer.crashed', {
        inbox: this.options.name,
        restart: event.payload.restart,
        error: event.payload.error,
      });
      // kafkajs restarts a consumer after a retriable error; after any other it gives up on it: connect anew.
      if (!event.payload.restart && this.running && this.consumer === consumer) void this.reconnect();
    });
    consumer.on(consumer.events.STOP, () => (this.connected = false));
    await consumer.connect();
    await consumer.subscribe({ topics: this.options.topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency ?? 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        let last: string | undefined;
        // Fast path: the whole batch in one transaction. Any failure rolls it back and the batch goes event by
        // event below, with retries and dead-lettering.
        if (batch.messages.length > 1 && this.running && isRunning() && !isStale()) {
          if (await this.processTogether(batch.messages)) {
            last = batch.messages[batch.messages.length - 1].offset;
            for (const message of batch.messages) resolveOffset(message.offset);
            await consumer.commitOffsets([
              { topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() },
            ]);
            this.reportLag(batch.topic, batch.partition, batch.highWatermark, last);
            await heartbeat();
            return;
          }
        }
        for (const message of batch.messages) {
          if (!this.running || !isRunning() || isStale()) break;
          await this.process(batch.topic, batch.partition, message);
          resolveOffset(message.offset);
          last = message.offset;
          await heartbeat();
        }
        if (last !== undefined) {
          const offset = (BigInt(last) + 1n).toString();
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
          this.reportLag(batch.topic, batch.partition, batch.highWatermark, last);
        }
      },
    });
  }

  /**
   * The partition's lag once its batch is committed up to `last`: its high watermark (the offset the broker will give
   * the next message, as the fetch that brought the batch saw it) minus the next offset to consume. No extra request.
   */
  private reportLag(topic: string, partition: number, highWatermark: string, last: string): void {
    const lag = Number(BigInt(highWatermark) - BigInt(last) - 1n);
    consumerLag.set({ consumer: this.options.name, topic, partition: String(partition) }, Math.max(0, lag));
    this.lagReported.add(`${topic}\u0000${partition}`);
  }

  /** After a rebalance, another member reports the partitions this one lost. */
  private forgetLagOfPartitionsNotIn(assignment: Record<string, number[]>): void {
    for (const key of this.lagReported) {
      const [topic, partition] = key.split('\u0000');
      if (assignment[topic]?.includes(Number(partition))) continue;
      consumerLag.remove({ consumer: this.options.name, topic, partition });
      this.lagReported.delete(key);
    }
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.disconnect();
  }

  /** Replaces a consumer kafkajs gave up on, retrying with backoff for as long as this one runs. */
  private async reconnect(): Promise<void> {
    await this.disconnect();
    for (let attempt = 1; this.running; attempt++) {
      await delay(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)));
      if (!this.running) return;
      try {
        await this.connect();
        if (!this.running) await this.disconnect();
        this.logger.event('info', 'consumer.reconnected', { inbox: this.options.name, attempt });
        return;
      } catch (error) {
        this.logger.event('warn', 'consumer.reconnect_failed', { inbox: this.options.name, attempt, error });
        await this.disconnect();
      }
    }
  }

  private async disconnect(): Promise<void> {
    this.connected = false;
    const { consumer, producer } = this;
    this.consumer = undefined;
    this.producer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }

  /**
   * Applies a batch in one transaction: one multi-row inbox insert says which events are new, then the handler takes
   * the new events in order. Returns false (nothing applied) when anything fails or a message is malformed.
   */
  private async processTogether(messages: KafkaMessage[]): Promise<boolean> {
    let relevant: EventEnvelope[];
    try {
      relevant = messages.filter((m) => this.mayBeRelevant(m)).map((m) => fromKafkaMessage(m.value));
    } catch {
      return false;
    }
    if (this.options.eventTypes) relevant = relevant.filter((e) => this.options.eventTypes!.includes(e.type));
    if (relevant.length === 0) return true;
    try {
      await inTransaction(this.pool, async (session) => {
        const { rows } = await session.query<{ event_id: string }>(
          `INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING event_id`,
          [this.options.name, [...new Set(relevant.map((e) => e.eventId))]],
        );
        const fresh = new Set(rows.map((r) => r.event_id));
        // Deleting as it goes: an event delivered twice in the batch is handled once.
        const freshEvents = relevant.filter((event) => fresh.delete(event.eventId));
        if (freshEvents.length > 0) await this.handleFresh(freshEvents, session);
      });
    } catch {
      return false;
    }
    this.handled += relevant.length;
    consumerEventsHandled.inc({ consumer: this.options.name }, relevant.length);
    return true;
  }

  /**
   * The `event-type` header lets a consumer pass over events of types it does not handle without parsing them (most
   * of what a topic carries, for most consumers). A message without the header is parsed and judged by its value.
   */
  private mayBeRelevant(message: KafkaMessage): boolean {
    const type = headerString(message.headers, HEADER.eventType);
    return !this.options.eventTypes || type === undefined || this.options.eventTypes.includes(type);
  }

  private async process(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    if (!this.mayBeRelevant(message)) return;
    let event: EventEnvelope;
    try {
      event = fromKafkaMessage(message.value);
    } catch (error) {
      if (!(error instanceof MalformedMessageError)) throw error;
      await this.deadLetter(topic, partition, message, error, undefined);
      return;
    }
    if (this.options.eventTypes && !this.options.eventTypes.includes(event.type)) return;
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = this.options.retryBackoffMs ?? 100;
    await withLogContext(eventLogContext(event), async () => {
      for (let attempt = 1, transientFailures = 0; ;) {
        try {
          await inTransaction(this.pool, async (session) => {
            const fresh = await session.query(
              'INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
              [this.options.name, event.eventId],
            );
            if (fresh.rowCount === 1) await this.handleFresh([event], session);
          });
          this.handled++;
          consumerEventsHandled.inc({ consumer: this.options.name });
          return;
        } catch (error) {
          if (isTransient(error)) {
            if (!this.running) throw error;
            transientFailures++;
            await delay(Math.min(5000, backoff * 2 ** Math.min(transientFailures, 6)));
            continue;
          }
          this.logger.event('warn', 'consumer.handler_failed', {
            inbox: this.options.name,
            eventType: event.type,
            attempt,
            error,
          });
          if (attempt >= maxAttempts) {
            await this.deadLetter(topic, partition, message, error as Error, event);
            return;
          }
          await delay(backoff * 2 ** (attempt - 1));
          attempt++;
        }
      }
    });
  }

  /** Gives the handler the fresh events of one transaction: all at once, or one by one, each in its log context. */
  private async handleFresh(events: EventEnvelope[], session: PoolClient): Promise<void> {
    const handler = this.handler;
    if ('handleBatch' in handler) await handler.handleBatch(events, session);
    else for (const event of events) await withLogContext(eventLogContext(event), () => handler.handle(event, session));
    if (!this.logger.isEnabled('debug')) return;
    for (const event of events) {
      withLogContext(eventLogContext(event), () =>
        this.logger.event('debug', 'consumer.handled', { inbox: this.options.name, eventType: event.type }),
      );
    }
  }

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: Error,
    event: EventEnvelope | undefined,
  ): Promise<void> {
    await this.producer!.send({
      topic: deadLetterTopic(this.options.namespace),
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'dlq-consumer': this.options.name,
            'dlq-error': error.message.slice(0, 1000),
            'dlq-source-topic': topic,
            'dlq-source-partition': String(partition),
            'dlq-source-offset': message.offset,
          },
        },
      ],
    });
    if (event) {
      await this.pool.query(
        `INSERT INTO inbox (consumer, event_id, outcome) VALUES ($1, $2, 'dead_lettered') ON CONFLICT DO NOTHING`,
        [this.options.name, event.eventId],
      );
    }
    messagesDeadLettered.inc({ consumer: this.options.name, topic });
    this.logger.event('error', 'consumer.dead_lettered', {
      inbox: this.options.name,
      topic,
      partition,
      offset: message.offset,
      eventType: event?.type,
      error: error.message,
    });
  }
}

const TRANSIENT_PG_CODES = new Set(['40001', '40P01', '53300', '57P01', '57P02', '57P03', '55P03']);
const TRANSIENT_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

export function isTransient(error: unknown): boolean {
  if (error instanceof ConcurrencyError) return true;
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') {
    return /Connection terminated|timeout exceeded when trying to connect/i.test(String((error as Error)?.message));
  }
  return TRANSIENT_PG_CODES.has(code) || TRANSIENT_NET_CODES.has(code) || code.startsWith('08');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The Kafka consumer group of an inbox consumer: `<namespace>.<name>`. */
export function consumerGroupId(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}
