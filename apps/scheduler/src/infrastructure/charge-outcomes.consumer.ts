import { Injectable } from '@nestjs/common';
import { chargeIdOfStream, chargeSettlementOf, parseChargeEvent } from '@payment-ledger/contracts';
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

  handle = async (envelope: EventEnvelope): Promise<void> => {
    const event = parseChargeEvent(envelope);
    const settlement = event && chargeSettlementOf(event);
    if (!settlement) return;
    const chargeId = chargeIdOfStream(envelope.streamId);
    if (this.billing.alreadyRecorded(chargeId)) return;
    const agreementId = await this.schedules.agreementOfCharge(chargeId);
    if (!agreementId) return;
    const correlationId = envelope.metadata.correlationId ?? envelope.eventId;
    await this.billing.recordOutcome(agreementId, chargeId, settlement, correlationId);
  };
}
