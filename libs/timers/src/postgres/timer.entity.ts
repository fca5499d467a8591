import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A row of `timers` (libs/timers/migrations/0250_timers.sql): one durable timer per (queue, key, kind). The engine's
 * statements are SQL (PostgresTimerStore says which and why); the entity's repository serves counts and listings.
 */
@Entity({ name: 'timers' })
export class TimerEntity {
  @PrimaryColumn({ type: 'text' })
  queue!: string;

  @PrimaryColumn({ type: 'text' })
  key!: string;

  @PrimaryColumn({ type: 'text' })
  kind!: string;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  /** Set while a worker holds the timer, or while a failed run waits out its backoff. */
  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;
}

/** The timer engine's entities: registered with TypeOrmModule.forFeature by every service that runs timers. */
export const TIMER_ENTITIES = [TimerEntity];
