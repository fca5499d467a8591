import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A row of `relay_checkpoints` (libs/messaging/migrations/0200_messaging.sql): where a reader of the event log (a
 * relay, a projection, a feed) has got to. Read and written every poll by readLogCheckpoint / saveLogCheckpoint's
 * SQL (log-checkpoints.ts says why); the entity's repository serves listings (listLogCheckpoints).
 */
@Entity({ name: 'relay_checkpoints' })
export class RelayCheckpointEntity {
  @PrimaryColumn({ name: 'relay_name', type: 'text' })
  relayName!: string;

  /**
   * The column is `xid8`, a type TypeORM 0.3 does not know (it refuses `type: 'xid8'`), so it is declared `text`:
   * pg reads an xid8 as its decimal string, and a value written through the repository is an untyped parameter,
   * which PostgreSQL takes as xid8 (the check of test/support/entity-schema.ts lists this one exception). Write only
   * a cursor's transactionId (a decimal string): PostgreSQL 15's xid8 input reads a non-number as 0 without an error.
   */
  @Column({ name: 'transaction_id', type: 'text' })
  transactionId!: string;

  /** A bigint: read as a decimal string. */
  @Column({ name: 'global_position', type: 'bigint' })
  globalPosition!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/**
 * A row of `inbox`: a consumer's record of an event it has handled. Written by InboxConsumer's SQL, in the
 * transaction of the handler's effects (one statement per batch, on every consumed batch).
 */
@Entity({ name: 'inbox' })
export class InboxEntity {
  @PrimaryColumn({ type: 'text' })
  consumer!: string;

  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ type: 'text', default: 'processed' })
  outcome!: 'processed' | 'dead_lettered';

  @Column({ name: 'processed_at', type: 'timestamptz', default: () => 'now()' })
  processedAt!: Date;
}

/** The messaging tables' entities: registered with TypeOrmModule.forFeature by MessagingModule. */
export const MESSAGING_ENTITIES = [RelayCheckpointEntity, InboxEntity];
