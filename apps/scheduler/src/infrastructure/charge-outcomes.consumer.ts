import { Injectable } from '@nestjs/common';
import type { ChargeFailure } from '@payment-ledger/contracts';
import type { EventEnvelope } from '@payment-ledger/messaging';
import { RunBillingHandler } from '../application/run-billing.handler';
import { ScheduleStore } from '../application/schedule-store';

/** Charge events from Kafka: the outcome of a scheduled charge that was not known when it was asked for. */
@Injectable()
export class ChargeOutcomesConsumer {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly billing: RunBillingHandler,
  ) {}

  handle = async (event: EventEnvelope): Promise<void> => {
    if (event.type !== 'ChargeCaptured' && event.type !== 'ChargeAuthorizationDeclined') return;
    const chargeId = event.streamId.slice('charge:'.length);
    if (this.billing.alreadyRecorded(chargeId)) return;
    const agreementId = await this.schedules.agreementOfCharge(chargeId);
    if (!agreementId) return;
    const correlationId = event.metadata.correlationId ?? event.eventId;
    const outcome =
      event.type === 'ChargeCaptured'
        ? ({ status: 'CAPTURED' } as const)
        : ({ status: 'DECLINED', failure: (event.data as { failure: ChargeFailure }).failure } as const);
    await this.billing.recordOutcome(agreementId, chargeId, outcome, correlationId);
  };
}
