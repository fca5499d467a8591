import { Injectable } from '@nestjs/common';
import { parseAgreementEvent } from '@payment-ledger/contracts';
import type { EventEnvelope } from '@payment-ledger/messaging';
import { StartScheduleHandler } from '../application/start-schedule.handler';

/** Agreement events from Kafka: activation starts a schedule, revocation stops it. */
@Injectable()
export class AgreementEventsConsumer {
  constructor(private readonly schedules: StartScheduleHandler) {}

  handle = async (envelope: EventEnvelope): Promise<void> => {
    const event = parseAgreementEvent(envelope);
    const correlationId = envelope.metadata.correlationId ?? envelope.eventId;
    switch (event?.type) {
      case 'AgreementActivated':
        await this.schedules.agreementActivated(envelope.streamId, correlationId);
        return;
      case 'AgreementRevoked':
        await this.schedules.agreementRevoked(envelope.streamId.slice('agreement:'.length), correlationId);
        return;
    }
  };
}
