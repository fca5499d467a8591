import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@payment-ledger/messaging';
import { StartScheduleHandler } from '../application/start-schedule.handler';

/** Agreement events from Kafka: activation starts a schedule, revocation stops it. */
@Injectable()
export class AgreementEventsConsumer {
  constructor(private readonly schedules: StartScheduleHandler) {}

  handle = async (event: EventEnvelope): Promise<void> => {
    const correlationId = event.metadata.correlationId ?? event.eventId;
    if (event.type === 'AgreementActivated') await this.schedules.agreementActivated(event.streamId, correlationId);
    if (event.type === 'AgreementRevoked') {
      await this.schedules.agreementRevoked(event.streamId.slice('agreement:'.length), correlationId);
    }
  };
}
