import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Pool, PoolClient } from 'pg';
import {
  type EventStore,
  handleCommand,
  inTransaction,
  loadStream,
  RequestCoalescer,
  type StreamSnapshot,
} from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { CLOCK, type Clock, PG_POOL } from '@payment-ledger/platform';
import { RequestRejected } from '@payment-ledger/domain-kernel';
import { PostgresTimerStore } from '@payment-ledger/timers';
import {
  awaitingOutcome,
  billingScheduleDecider,
  billingScheduleStreamId,
  exists,
  nextWakeUp,
  type ScheduleCommand,
  type ScheduleState,
} from '../domain/billing-schedule.decider';
import type { BillingScheduleEvent, FailureCode } from '@payment-ledger/contracts';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';
import { ScheduledChargeEntity, SchedulerTestClockEntity } from './scheduler.entities';

/** The timer engine's queue of schedule wake-ups (libs/timers): key the agreement id, one kind. */
export const BILLING_SCHEDULES = 'billing-schedules';
const WAKE_UP = 'wake_up';

/** Bookkeeping writes of concurrent runs go together (see RequestCoalescer): two statements at a time at most. */
const BOOKKEEPING_WRITES = { maxInFlight: 2, maxBatch: 128 };

/** A schedule as last read or written: its state, its stream version, and the schedule's "now" at that step. */
export interface KnownSchedule {
  state: ScheduleState;
  version: number;
  now: Date;
}

export interface ExecuteOptions {
  claimed?: boolean;
  from?: KnownSchedule;
}

/**
 * Billing schedules: their streams on the shared command loop, their wake-ups (timers of the queue 'billing-schedules'
 * on the timer engine) and the sandbox test clocks. A schedule's "now" is the service clock plus its test clock's
 * offset (zero outside the sandbox); its wake-up is due on the service clock, so the offset is taken off when it is
 * written, and a test-clock advance brings the wake-up forward by as much.
 *
 * Tables: `scheduler_test_clocks` (SchedulerTestClockEntity) and `scheduled_charges` (ScheduledChargeEntity). Reads
 * go through their repositories (a schedule's clock, whether any clock exists, a charge's agreement). Two writes stay
 * SQL on the pool: the advance is one conditional upsert (`ON CONFLICT … DO UPDATE … WHERE` the capped total holds,
 * `RETURNING` the new offset, which TypeORM's upsert cannot express), in one transaction with the timer engine's
 * bring-forward on the same connection; and the charges a run creates are remembered by concurrent runs together,
 * one `unnest` insert per coalesced batch (RequestCoalescer) rather than one save per charge, on the path of every
 * recurring charge.
 */
@Injectable()
export class ScheduleStore {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly timers: PostgresTimerStore,
    @InjectRepository(SchedulerTestClockEntity) private readonly testClocks: Repository<SchedulerTestClockEntity>,
    @InjectRepository(ScheduledChargeEntity) private readonly scheduledCharges: Repository<ScheduledChargeEntity>,
  ) {}

  async now(agreementId: string): Promise<Date> {
    return new Date(this.clock.now().getTime() + (await this.testClockOffset(agreementId)));
  }

  /** How far the schedule's own clock runs ahead of the service clock, in ms (its sandbox test clock; else 0). */
  private async testClockOffset(agreementId: string): Promise<number> {
    if (!(await this.anyTestClocks())) return 0;
    const clock = await this.testClocks.findOne({ select: { offsetMs: true }, where: { agreementId } });
    return Number(clock?.offsetMs ?? 0);
  }

  /**
   * Test clocks are a sandbox tool: where none exist (any live deployment), a schedule's now is the service clock
   * and costs no query. A test clock is never deleted, so "some exist" is kept for good; "none" is asked again
   * after a second (another replica may have made the first one).
   */
  private async anyTestClocks(): Promise<boolean> {
    if (this.testClocksExist) return true;
    if (Date.now() < this.noTestClocksUntil) return false;
    return this.refreshTestClocks();
  }

  /**
   * Asks whether any test clock exists, whatever was last seen: the billing worker does after each claim that took
   * wake-ups, because an advance (on this replica or another) commits its clock's row with the wake-up it brought
   * forward. "Some exist" is sticky: an answer read before an advance committed never undoes what the advance set.
   */
  async refreshTestClocks(): Promise<boolean> {
    if (this.testClocksExist) return true;
    const found = await this.testClocks.exists();
    if (found) this.testClocksExist = true;
    else if (!this.testClocksExist) this.noTestClocksUntil = Date.now() + 1_000;
    return this.testClocksExist;
  }
  private testClocksExist = false;
  private noTestClocksUntil = 0;

  /**
   * Moves one schedule's clock ahead by `ms` and brings its wake-up forward by as much, in one transaction: what that
   * makes due is run by the billing worker, not by the caller. The total offset is capped
   * (SCHEDULER_TEST_CLOCK_MAX_OFFSET_DAYS); beyond it nothing moves. Returns the schedule's new "now".
   */
  async advanceTestClock(agreementId: string, ms: number): Promise<Date> {
    this.testClocksExist = true;
    const maxMs = this.config.SCHEDULER_TEST_CLOCK_MAX_OFFSET_DAYS * 24 * 3600 * 1000;
    const offsetMs = await inTransaction(this.pool, async (session) => {
      const { rows } = await session.query<{ offset_ms: string }>(
        `INSERT INTO scheduler_test_clocks (agreement_id, offset_ms) SELECT $1, $2::bigint WHERE $2::bigint <= $3::bigint
         ON CONFLICT (agreement_id) DO UPDATE SET offset_ms = scheduler_test_clocks.offset_ms + EXCLUDED.offset_ms
          WHERE scheduler_test_clocks.offset_ms + EXCLUDED.offset_ms <= $3::bigint
         RETURNING offset_ms`,
        [agreementId, ms, maxMs],
      );
      if (rows.length === 0) return undefined;
      await this.timers.bringForward(BILLING_SCHEDULES, agreementId, ms, session);
      return Number(rows[0].offset_ms);
    });
    if (offsetMs === undefined) {
      throw new RequestRejected<FailureCode>(
        'test_clock_limit_exceeded',
        `A test clock may run at most ${this.config.SCHEDULER_TEST_CLOCK_MAX_OFFSET_DAYS} days ahead of real time`,
        'seconds',
      );
    }
    return new Date(this.clock.now().getTime() + offsetMs);
  }

  load(agreementId: string): Promise<StreamSnapshot<ScheduleState>> {
    return loadStream(this.store, billingScheduleStreamId(agreementId), billingScheduleDecider);
  }

  /**
   * Runs a command on the shared command loop, on the schedule's own clock; the wake-up moves earlier if the new
   * state needs it (before the events are appended).
   *
   * `claimed`: the caller runs the schedule under its claimed wake-up, which is already due and which it replaces
   * when the run ends (rescheduleAfterRun), so there is no earlier wake-up to move to; should the run die first,
   * the claim's lease runs out and the schedule is looked at again.
   * `from`: the schedule as the caller last saw it (its previous step), used instead of a read; if it is stale,
   * the append's version check fails and the loop starts over from a read.
   */
  async execute(
    agreementId: string,
    command: ScheduleCommand,
    correlationId: string,
    options: ExecuteOptions = {},
  ): Promise<KnownSchedule & { newEvents: BillingScheduleEvent[] }> {
    let offsetMs = 0;
    const wakeUp = (step: { state: ScheduleState; now: Date }) => this.wakeUpFor(step.state, step.now);
    const step = await handleCommand(
      this.store,
      billingScheduleStreamId(agreementId),
      billingScheduleDecider,
      command,
      {
        now: async () => {
          offsetMs = await this.testClockOffset(agreementId);
          return new Date(this.clock.now().getTime() + offsetMs);
        },
        metadata: { correlationId, actor: 'scheduler', agreementId },
        known: options.from,
        ...(options.claimed
          ? {}
          : {
              beforeAppend: (step, session) =>
                this.wakeNoLaterThan(agreementId, wakeUp(step), offsetMs, session as PoolClient | undefined),
              beforeAppendInTransaction: {
                unitOfWork: (work) => inTransaction(this.pool, work),
                when: (step) => wakeUp(step) !== null,
              },
            }),
      },
    );
    return { state: step.state, version: step.version, newEvents: step.newEvents, now: step.now };
  }

  /** The next moment the schedule needs a look: a period, a retry, or a resend of an unanswered charge. */
  wakeUpFor(state: ScheduleState, now: Date): Date | null {
    const candidates: number[] = [];
    const next = nextWakeUp(state, now);
    if (next) candidates.push(next.getTime());
    for (const period of awaitingOutcome(state)) {
      candidates.push(Date.parse(period.requestedAt) + this.config.SCHEDULER_RESEND_AFTER_MS);
    }
    return candidates.length === 0 ? null : new Date(Math.min(...candidates));
  }

  /** Writes the schedule's wake-up (at `at` on its own clock) unless an earlier one is already set. */
  private async wakeNoLaterThan(
    agreementId: string,
    at: Date | null,
    offsetMs: number,
    session?: PoolClient,
  ): Promise<void> {
    if (!at) return;
    await this.timers.schedule(
      [{ queue: BILLING_SCHEDULES, key: agreementId, kind: WAKE_UP, dueAt: new Date(at.getTime() - offsetMs) }],
      { mode: 'earliest', session },
    );
  }

  /**
   * After a run: when the schedule next needs a look, on the service clock (null: nothing ahead). The timer engine
   * replaces the claimed wake-up with it, in bulk with the runs finishing together.
   */
  async nextWakeUpAfterRun(agreementId: string, latest?: { state: ScheduleState; now: Date }): Promise<Date | null> {
    const { state } = latest ?? (await this.load(agreementId));
    const offsetMs = await this.testClockOffset(agreementId);
    const at = exists(state)
      ? this.wakeUpFor(state, latest?.now ?? new Date(this.clock.now().getTime() + offsetMs))
      : null;
    return at && new Date(at.getTime() - offsetMs);
  }

  rememberCharge(chargeId: string, agreementId: string): Promise<void> {
    return this.chargesToRemember.submit({ chargeId, agreementId });
  }

  private readonly chargesToRemember = new RequestCoalescer<{ chargeId: string; agreementId: string }, void>(
    BOOKKEEPING_WRITES,
    async (batch) => {
      await this.pool.query({
        name: 'scheduler_remember_charges',
        text: `INSERT INTO scheduled_charges (charge_id, agreement_id)
               SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
        values: [batch.map((c) => c.chargeId), batch.map((c) => c.agreementId)],
      });
      return batch.map(() => ({ ok: true, value: undefined }));
    },
  );

  async agreementOfCharge(chargeId: string): Promise<string | undefined> {
    return (await this.scheduledCharges.findOneBy({ chargeId }))?.agreementId;
  }
}
