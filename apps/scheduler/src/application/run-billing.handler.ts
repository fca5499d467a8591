import { Injectable } from '@nestjs/common';
import { newId, type PaymentChargeResource, type SimulationCode } from '@payment-ledger/contracts';
import { JsonLogger } from '@payment-ledger/platform';
import { awaitingOutcome, type ChargeOutcome, exists, type PeriodState } from '../domain/billing-schedule.decider';
import type { BillingScheduleEvent } from '@payment-ledger/contracts';
import { AgreementsGateway } from './agreements.gateway';
import { type ExecuteOptions, type KnownSchedule, ScheduleStore } from './schedule-store';

const RECORDED_OUTCOMES_KEPT = 100_000;

/**
 * One look at a schedule: record the charges now due (new periods and retries) as events, then ask for them; ask
 * again for any recorded charge that has had no outcome for a while (same charge id: never a second charge); record
 * the outcomes that come straight back. Outcomes that come later (async authorizations) arrive from Kafka.
 */
@Injectable()
export class RunBillingHandler {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly agreements: AgreementsGateway,
    private readonly logger: JsonLogger,
  ) {}

  /**
   * Runs a schedule whose wake-up came due (claimed on the timer engine); returns how many charges it asked for and
   * when the schedule next needs a look (service clock; null: never), which replaces the claimed wake-up.
   */
  async run(agreementId: string, resendAfterMs: number): Promise<{ asked: number; nextWakeUp: Date | null }> {
    const correlationId = newId('event');
    const run = await this.schedules.execute(agreementId, { type: 'RunDueBilling' }, correlationId, { claimed: true });
    const { state, now, newEvents } = run;
    const simulationCode = exists(state) ? state.simulationCode : null;
    const justRecorded = new Set(
      newEvents.flatMap((e) => (e.type === 'BillingPeriodChargeRequested' ? [e.data.chargeId] : [])),
    );
    // Charges this run recorded, and charges recorded earlier that never got an answer (a crash, a lost reply).
    const toAsk = awaitingOutcome(state).filter(
      (p) => justRecorded.has(p.chargeId) || Date.parse(p.requestedAt) + resendAfterMs <= now.getTime(),
    );
    // Each step starts from the schedule as the previous one left it (a stale start costs a reload, never a wrong
    // decision: the append checks the version).
    let latest: KnownSchedule = run;
    for (const period of toAsk) {
      latest = await this.ask(agreementId, period, period.attempt === 0 ? simulationCode : null, correlationId, latest);
    }
    return { asked: toAsk.length, nextWakeUp: await this.schedules.nextWakeUpAfterRun(agreementId, latest) };
  }

  /**
   * Charges whose outcome this replica recorded (so the Kafka copy of the outcome need not reload the schedule).
   * Only a shortcut: forgetting an entry costs one reload that decides nothing, so the set is simply emptied when
   * it grows large.
   */
  private readonly recorded = new Set<string>();

  alreadyRecorded(chargeId: string): boolean {
    return this.recorded.has(chargeId);
  }

  private remember(chargeId: string): void {
    if (this.recorded.size >= RECORDED_OUTCOMES_KEPT) this.recorded.clear();
    this.recorded.add(chargeId);
  }

  /** `options`: recorded during a run of the schedule, from what the run knows (see ScheduleStore.execute). */
  async recordOutcome(
    agreementId: string,
    chargeId: string,
    outcome: ChargeOutcome,
    correlationId: string,
    options: ExecuteOptions = {},
  ): Promise<KnownSchedule> {
    const result = await this.schedules.execute(
      agreementId,
      { type: 'RecordChargeOutcome', chargeId, outcome },
      correlationId,
      options,
    );
    this.remember(chargeId);
    await this.afterOutcome(agreementId, result.newEvents, correlationId);
    return result;
  }

  private async ask(
    agreementId: string,
    period: PeriodState,
    simulationCode: SimulationCode | null,
    correlationId: string,
    known: KnownSchedule,
  ): Promise<KnownSchedule> {
    await this.schedules.rememberCharge(period.chargeId, agreementId);
    const answer = await this.agreements.charge({
      correlationId,
      idempotencyKey: `${agreementId}:${period.index}:${period.attempt}`,
      agreementId,
      chargeId: period.chargeId,
      amount: null,
      initiator: 'SCHEDULE',
      merchantPaymentChargeReference: `period-${period.index}${period.attempt > 0 ? `-retry-${period.attempt}` : ''}`,
      simulationCode,
    });
    if (!answer.ok) {
      if (['agreement_revoked', 'agreement_ended'].includes(answer.error.failureCode)) {
        const reason = answer.error.failureCode === 'agreement_revoked' ? 'AGREEMENT_REVOKED' : 'AGREEMENT_ENDED';
        return this.schedules.execute(agreementId, { type: 'StopSchedule', reason }, correlationId, {
          claimed: true,
          from: known,
        });
      }
      // Left REQUESTED: asked again after the resend delay, with the same charge id.
      this.logger.event('warn', 'scheduler.charge_request_failed', {
        agreementId,
        chargeId: period.chargeId,
        error: answer.error,
      });
      return known;
    }
    const outcome = outcomeOf(answer.charge);
    if (!outcome) return known;
    return this.recordOutcome(agreementId, period.chargeId, outcome, correlationId, { claimed: true, from: known });
  }

  private async afterOutcome(
    agreementId: string,
    events: BillingScheduleEvent[],
    correlationId: string,
  ): Promise<void> {
    for (const event of events) {
      if (event.type === 'BillingScheduleNeedsConsumer') {
        await this.agreements.markPastDue(agreementId, event.data.chargeId, event.data.failure, correlationId);
      }
    }
  }
}

/** A period's charge that was captured stays paid when the merchant refunds it afterwards (a refund is not a decline). */
const CAPTURED_STATUSES: readonly PaymentChargeResource['status'][] = ['CAPTURED', 'REFUND_PROCESSING', 'REFUNDED'];

/** The settled outcome a charge shows: captured (then perhaps refunded in part or whole), or declined. */
export function outcomeOf(charge: Pick<PaymentChargeResource, 'status' | 'failure'>): ChargeOutcome | undefined {
  if (CAPTURED_STATUSES.includes(charge.status)) return { status: 'CAPTURED' };
  if (charge.status === 'FAILED' && charge.failure) return { status: 'DECLINED', failure: charge.failure };
  return undefined;
}
