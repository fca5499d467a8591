import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `scheduler_test_clocks` (apps/scheduler/migrations/0600_scheduler.sql): a schedule's sandbox clock. */
@Entity({ name: 'scheduler_test_clocks' })
export class SchedulerTestClockEntity {
  @PrimaryColumn({ name: 'agreement_id', type: 'text' })
  agreementId!: string;

  /** How far the schedule's clock runs ahead of the service clock, in ms (bigint: read as text). */
  @Column({ name: 'offset_ms', type: 'bigint' })
  offsetMs!: string;
}

/** A row of `scheduled_charges`: a charge the scheduler created, and its agreement (to route the charge's outcome). */
@Entity({ name: 'scheduled_charges' })
export class ScheduledChargeEntity {
  @PrimaryColumn({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ name: 'agreement_id', type: 'text' })
  agreementId!: string;
}

/** The scheduler's own entities (the timer engine's are TIMER_ENTITIES): registered with TypeOrmModule.forFeature. */
export const SCHEDULER_ENTITIES = [SchedulerTestClockEntity, ScheduledChargeEntity];
