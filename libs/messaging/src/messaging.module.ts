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
import { INFRASTRUCTURE_CONFIG, type InfrastructureConfig, JsonLogger, PG_POOL } from '@payment-ledger/platform';
import { EventRelay } from './event-relay';
import { InboxConsumer, type InboxHandler } from './inbox-consumer';
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

/** Starts the relay and consumers after the app is up; stops them before the pool closes. */
@Injectable()
class MessagingLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly relay: EventRelay | undefined,
    private readonly consumers: InboxConsumer[],
  ) {}
  async onApplicationBootstrap(): Promise<void> {
    await this.relay?.start();
    for (const consumer of this.consumers) await consumer.start();
  }
  async beforeApplicationShutdown(): Promise<void> {
    for (const consumer of this.consumers) await consumer.stop();
    await this.relay?.stop();
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
          ),
      },
    ];
    for (const registration of consumers) {
      if (typeof registration.handler === 'function') providers.push(registration.handler);
    }
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
