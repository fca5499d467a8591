import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import {
  type EventStore,
  handleCommand,
  loadStream,
  RequestCoalescer,
  type StreamSnapshot,
} from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { CLOCK, type Clock, PG_POOL } from '@payment-ledger/platform';
import {
  awaitingOutcome,
  billingScheduleDecider,
  billingScheduleStreamId,
  exists,
  nextWakeUp,
  type ScheduleCommand,
  type ScheduleState,
} from '../domain/billing-schedule.decider';
import type { BillingScheduleEvent } from '@payment-ledger/contracts';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';

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
 * Billing schedules: their streams on the shared command loop, the wake-up index and the sandbox test clocks. A schedule's
 * "now" is the service clock plus its test clock's offset (zero outside the sandbox).
 */
@Injectable()
export class ScheduleStore {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async now(agreementId: string): Promise<Date> {
    if (!(await this.anyTestClocks())) return this.clock.now();
    const { rows } = await this.pool.query<{ offset_ms: string }>(
      'SELECT offset_ms FROM scheduler_test_clocks WHERE agreement_id = $1',
      [agreementId],
    );
    return new Date(this.clock.now().getTime() + Number(rows[0]?.offset_ms ?? 0));
  }

  /**
   * Test clocks are a sandbox tool: where none exist (any live deployment), a schedule's now is the service clock
   * and costs no query. A test clock is never deleted, so "some exist" is kept for good; "none" is asked again
   * after a second (another replica may have made the first one).
   */
  private async anyTestClocks(): Promise<boolean> {
    if (this.testClocksExist) return true;
    if (Date.now() < this.noTestClocksUntil) return false;
    const { rowCount } = await this.pool.query('SELECT 1 FROM scheduler_test_clocks LIMIT 1');
    this.testClocksExist = (rowCount ?? 0) > 0;
    if (!this.testClocksExist) this.noTestClocksUntil = Date.now() + 1_000;
    return this.testClocksExist;
  }
  private testClocksExist = false;
  private noTestClocksUntil = 0;

  async advanceTestClock(agreementId: string, ms: number): Promise<Date> {
    this.testClocksExist = true;
    await this.pool.query(
      `INSERT INTO scheduler_test_clocks (agreement_id, offset_ms) VALUES ($1, $2)
       ON CONFLICT (agreement_id) DO UPDATE SET offset_ms = scheduler_test_clocks.offset_ms + EXCLUDED.offset_ms`,
      [agreementId, ms],
    );
    return this.now(agreementId);
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
    const step = await handleCommand(
      this.store,
      billingScheduleStreamId(agreementId),
      billingScheduleDecider,
      command,
      {
        now: () => this.now(agreementId),
        metadata: { correlationId, actor: 'scheduler', agreementId },
        known: options.from,
        beforeAppend: options.claimed
          ? undefined
          : (step) => this.wakeNoLaterThan(agreementId, this.wakeUpFor(step.state, step.now)),
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

  private async wakeNoLaterThan(agreementId: string, at: Date | null): Promise<void> {
    if (!at) return;
    await this.pool.query(
      `INSERT INTO billing_schedule_wakeups (agreement_id, wake_at) VALUES ($1, $2)
       ON CONFLICT (agreement_id) DO UPDATE SET wake_at = LEAST(billing_schedule_wakeups.wake_at, EXCLUDED.wake_at)`,
      [agreementId, at],
    );
  }

  /** After a run: the schedule's next wake-up replaces the claimed one (or the row goes when nothing is ahead). */
  async rescheduleAfterRun(agreementId: string, latest?: { state: ScheduleState; now: Date }): Promise<void> {
    const { state } = latest ?? (await this.load(agreementId));
    const at = exists(state) ? this.wakeUpFor(state, latest?.now ?? (await this.now(agreementId))) : null;
    await this.reschedules.submit({ agreementId, at });
  }

  /** Runs finishing together replace their wake-ups in one statement (null: the schedule has nothing ahead). */
  private readonly reschedules = new RequestCoalescer<{ agreementId: string; at: Date | null }, void>(
    BOOKKEEPING_WRITES,
    async (batch) => {
      await this.pool.query({
        name: 'scheduler_reschedule',
        text: `WITH next AS (
                 SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS n(agreement_id, wake_at)
               ), finished AS (
                 DELETE FROM billing_schedule_wakeups w USING next
                  WHERE w.agreement_id = next.agreement_id AND next.wake_at IS NULL
               )
               INSERT INTO billing_schedule_wakeups (agreement_id, wake_at)
               SELECT agreement_id, wake_at FROM next WHERE wake_at IS NOT NULL
               ON CONFLICT (agreement_id) DO UPDATE SET wake_at = EXCLUDED.wake_at, lease_until = NULL`,
        values: [batch.map((r) => r.agreementId), batch.map((r) => r.at)],
      });
      return batch.map(() => ({ ok: true, value: undefined }));
    },
    (r) => r.agreementId,
  );

  /**
   * Claims schedules due by their own clocks, leased for `leaseMs` of real time: unleased ones due by the service
   * clock (in wake order, through the partial index), ones whose lease ran out, and ones a sandbox test clock has
   * made due.
   */
  async claimDue(limit: number, leaseMs: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ agreement_id: string }>({
      name: 'scheduler_claim_due',
      text: `WITH unleased AS (
               SELECT agreement_id FROM billing_schedule_wakeups
                WHERE lease_until IS NULL AND wake_at <= $1::timestamptz
                ORDER BY wake_at LIMIT $2 FOR UPDATE SKIP LOCKED
             ), lease_ran_out AS (
               SELECT agreement_id FROM billing_schedule_wakeups
                WHERE lease_until < clock_timestamp() AND wake_at <= $1::timestamptz
                ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED
             ), test_clock_due AS (
               SELECT w.agreement_id FROM scheduler_test_clocks c
                 JOIN billing_schedule_wakeups w ON w.agreement_id = c.agreement_id
                WHERE w.wake_at <= $1::timestamptz + make_interval(secs => c.offset_ms::double precision / 1000)
                  AND (w.lease_until IS NULL OR w.lease_until < clock_timestamp())
                ORDER BY w.wake_at LIMIT $2 FOR UPDATE OF w SKIP LOCKED
             ), due AS (
               SELECT agreement_id FROM unleased UNION SELECT agreement_id FROM lease_ran_out
               UNION SELECT agreement_id FROM test_clock_due
             )
             UPDATE billing_schedule_wakeups w
                SET lease_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
               FROM due WHERE w.agreement_id = due.agreement_id
             RETURNING w.agreement_id`,
      values: [this.clock.now(), limit, leaseMs],
    });
    return rows.map((r) => r.agreement_id);
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
    const { rows } = await this.pool.query<{ agreement_id: string }>(
      'SELECT agreement_id FROM scheduled_charges WHERE charge_id = $1',
      [chargeId],
    );
    return rows[0]?.agreement_id;
  }
}
