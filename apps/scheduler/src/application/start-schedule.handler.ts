import { Inject, Injectable } from '@nestjs/common';
import type { EventStore } from '@payment-ledger/event-store';
import { parseAgreementEvent } from '@payment-ledger/contracts';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';
import { ScheduleStore } from './schedule-store';

/** Builds a billing schedule when an agreement with a frequency and an amount becomes active; stops it on revocation. */
@Injectable()
export class StartScheduleHandler {
  constructor(
    private readonly schedules: ScheduleStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async agreementActivated(agreementStreamId: string, correlationId: string): Promise<boolean> {
    const [first] = await this.store.readStream(agreementStreamId, 1);
    const created = first ? parseAgreementEvent(first) : null;
    if (created?.type !== 'AgreementCreated') return false;
    const terms = created.data;
    if (!terms.frequency || !terms.amount) return false;
    await this.schedules.execute(
      terms.agreementId,
      {
        type: 'StartSchedule',
        agreementId: terms.agreementId,
        merchantId: terms.merchant.id,
        // The start as the merchant wrote it: periods follow the calendar of its UTC offset (Jan 31 → Feb 28 there).
        terms: {
          startDate: terms.startDateAsGiven,
          endDate: terms.endDate,
          frequency: terms.frequency,
        },
        amount: terms.amount,
        retryDelaysDays: this.config.SCHEDULER_RETRY_DELAYS_DAYS.map(Number),
        // The initial charge made at consent pays the first period.
        firstPeriodIndex: terms.initialPaymentCharge ? 1 : 0,
        simulationCode: terms.simulationCode,
      },
      correlationId,
    );
    return true;
  }

  async agreementRevoked(agreementId: string, correlationId: string): Promise<void> {
    await this.schedules.execute(agreementId, { type: 'StopSchedule', reason: 'AGREEMENT_REVOKED' }, correlationId);
  }
}
