import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type ModuleMetadata,
  type Provider,
} from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { PostgresEventStore } from '@payment-ledger/event-store';
import {
  type HealthChecks,
  INFRASTRUCTURE_CONFIG,
  type InfrastructureConfig,
  JsonLogger,
  PG_POOL,
  READINESS_CHECK,
  type ReadinessSource,
} from '@payment-ledger/platform';
import { EventRelay } from './event-relay';
import { InboxConsumer, type InboxHandler } from './inbox-consumer';
import { InboxPurge } from './inbox-purge';
import { createKafka } from './kafka';
import { MESSAGING_ENTITIES } from './messaging.entities';
import { type Projection, ProjectionRunners } from './projection-runner';
import { topicForStreamType } from './topics';

export const KAFKA = Symbol('Kafka');
export const EVENT_STORE = Symbol('EventStore');
export const EVENT_RELAY = Symbol('EventRelay');

export interface MessagingModuleOptions {
  /** Run a relay for these stream types (the streams this service owns). */
  relay?: { name: string; streamTypes?: string[] };
  /** Modules that provide what the consumers' handlers depend on. */
  imports?: ModuleMetadata['imports'];
  /**
   * The service's read models of its own events (instantiated in this module), each kept from the event store by a
   * ProjectionRunner every PROJECTION_POLL_MS; Kafka consumers are for other services' events.
   */
  projections?: (new (...args: never[]) => Projection)[];
}

export interface ConsumerRegistration {
  name: string;
  /** Stream types whose topics to consume. */
  streamTypes: string[];
  /**
   * A class with a `handle` method, or a `handleBatch` method for all fresh events of a batch at once (instantiated
   * in this module), or the token of such a provider.
   */
  handler: symbol | string | (new (...args: never[]) => InboxHandler);
  maxAttempts?: number;
  /** Only these event types reach the handler (others cost no database work). */
  eventTypes?: readonly string[];
}

/** How long the app's start waits for Kafka before it goes on without it (not ready until the clients connect). */
const KAFKA_START_WAIT_MS = 5000;

/**
 * Starts the relay and consumers after the app is up; stops them before the pool closes. Kafka being down does not
 * stop the service from starting: each one that cannot connect is retried in the background (with backoff) until it
 * does, and readiness (HealthService, through READINESS_CHECK) reports Kafka down meanwhile.
 */
@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown, ReadinessSource {
  private active = false;
  private readonly starting: Promise<void>[] = [];
  private readonly wake = new Set<() => void>();

  constructor(
    private readonly relay: EventRelay | undefined,
    private readonly consumers: InboxConsumer[],
    private readonly names: string[],
    private readonly logger: JsonLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.active = true;
    const components: [string, EventRelay | InboxConsumer][] = [
      ...(this.relay ? [['relay', this.relay] as [string, EventRelay]] : []),
      ...this.consumers.map((consumer, i) => [this.names[i], consumer] as [string, InboxConsumer]),
    ];
    for (const [name, component] of components) this.starting.push(this.keepStarting(name, component));
    // In the usual case every client is connected when the app has started, as before; Kafka down delays the
    // start by this much at most.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.starting),
      new Promise((resolve) => (timer = setTimeout(resolve, KAFKA_START_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.active = false;
    for (const wake of this.wake) wake();
    // A start still in flight (Kafka slow to answer) finishes first, and stops what it started (keepStarting), so
    // nothing connects or consumes after this returns and the pool closes.
    await Promise.all(this.starting);
    for (const consumer of this.consumers) await consumer.stop();
    await this.relay?.stop();
  }

  [READINESS_CHECK](): HealthChecks {
    // A module imported only for the event store (a service's core module) runs nothing: it has nothing to say about
    // Kafka, and its answer must not overwrite the one of the module that runs the relay and consumers.
    if (!this.relay && this.consumers.length === 0) return {};
    const components: Record<string, 'up' | 'down'> = {};
    if (this.relay) components.relay = this.relay.kafkaConnected ? 'up' : 'down';
    this.consumers.forEach((consumer, i) => (components[this.names[i]] = consumer.kafkaConnected ? 'up' : 'down'));
    const up = Object.values(components).every((status) => status === 'up');
    return { kafka: { status: up ? 'up' : 'down', critical: true, clients: components } };
  }

  private async keepStarting(name: string, component: EventRelay | InboxConsumer): Promise<void> {
    for (let attempt = 1; this.active; attempt++) {
      try {
        await component.start();
        if (!this.active) await component.stop();
        else if (attempt > 1) this.logger.event('info', 'messaging.connected', { client: name, attempt });
        return;
      } catch (error) {
        if (!this.active) return;
        this.logger.event('warn', 'messaging.start_failed', { client: name, attempt, error });
        await this.sleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}

@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions = {}, consumers: ConsumerRegistration[] = []): DynamicModule {
    const providers: Provider[] = [
      {
        provide: KAFKA,
        inject: [INFRASTRUCTURE_CONFIG, JsonLogger],
        useFactory: (config: InfrastructureConfig, logger: JsonLogger) =>
          createKafka({ brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID }, logger),
      },
      { provide: EVENT_STORE, inject: [PG_POOL], useFactory: (pool: Pool) => new PostgresEventStore(pool) },
      {
        provide: EVENT_RELAY,
        inject: [PG_POOL, EVENT_STORE, KAFKA, INFRASTRUCTURE_CONFIG, JsonLogger],
        useFactory: (
          pool: Pool,
          store: PostgresEventStore,
          kafka: Kafka,
          config: InfrastructureConfig,
          logger: JsonLogger,
        ) =>
          options.relay
            ? new EventRelay(
                pool,
                store,
                kafka,
                {
                  ...options.relay,
                  namespace: config.KAFKA_TOPIC_NAMESPACE,
                  partitions: config.KAFKA_TOPIC_PARTITIONS,
                },
                logger,
              )
            : undefined,
      },
      {
        provide: MessagingLifecycle,
        inject: [EVENT_RELAY, PG_POOL, KAFKA, INFRASTRUCTURE_CONFIG, JsonLogger, ...consumers.map((c) => c.handler)],
        useFactory: (
          relay: EventRelay | undefined,
          pool: Pool,
          kafka: Kafka,
          config: InfrastructureConfig,
          logger: JsonLogger,
          ...handlers: InboxHandler[]
        ) =>
          new MessagingLifecycle(
            relay,
            consumers.map(
              (registration, i) =>
                new InboxConsumer(
                  pool,
                  kafka,
                  {
                    name: registration.name,
                    namespace: config.KAFKA_TOPIC_NAMESPACE,
                    topics: registration.streamTypes.map((t) => topicForStreamType(config.KAFKA_TOPIC_NAMESPACE, t)),
                    partitions: config.KAFKA_TOPIC_PARTITIONS,
                    maxAttempts: registration.maxAttempts,
                    eventTypes: registration.eventTypes,
                    sessionTimeoutMs: config.KAFKA_CONSUMER_SESSION_TIMEOUT_MS,
                    concurrency: config.KAFKA_CONSUMER_CONCURRENCY,
                    maxWaitMs: config.KAFKA_CONSUMER_MAX_WAIT_MS,
                  },
                  handlers[i],
                  logger,
                ),
            ),
            consumers.map((registration) => registration.name),
            logger,
          ),
      },
    ];
    for (const registration of consumers) {
      if (typeof registration.handler === 'function') providers.push(registration.handler);
    }
    // A service with consumers has inbox rows to purge (run by its HousekeepingModule).
    if (consumers.length > 0) providers.push(InboxPurge);
    const projections = options.projections ?? [];
    if (projections.length > 0) {
      providers.push(...projections, {
        provide: ProjectionRunners,
        inject: [PG_POOL, EVENT_STORE, INFRASTRUCTURE_CONFIG, JsonLogger, ...projections],
        useFactory: (
          pool: Pool,
          store: PostgresEventStore,
          config: InfrastructureConfig,
          logger: JsonLogger,
          ...instances: Projection[]
        ) => new ProjectionRunners(pool, store, instances, { pollMs: config.PROJECTION_POLL_MS }, logger),
      });
    }
    return {
      module: MessagingModule,
      // The messaging tables' entities (relay_checkpoints, inbox): their repositories, for whoever imports this.
      imports: [TypeOrmModule.forFeature(MESSAGING_ENTITIES), ...(options.imports ?? [])],
      providers,
      // ProjectionRunners too, for the lists that wait for their view (read-your-writes: catchUpWithCommitted).
      exports: [KAFKA, EVENT_STORE, EVENT_RELAY, TypeOrmModule, ...(projections.length > 0 ? [ProjectionRunners] : [])],
    };
  }
}
