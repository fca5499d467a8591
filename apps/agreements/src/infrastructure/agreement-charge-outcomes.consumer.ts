import { Inject, Injectable } from '@nestjs/common';
import type { ChargeFailure } from '@payment-ledger/contracts';
import type { EventStore } from '@payment-ledger/event-store';
import { EVENT_STORE, type EventEnvelope } from '@payment-ledger/messaging';
import { AgreementRepository } from '../application/agreement-repository';

/**
 * Learns the outcome of charges made under agreements from the charge events on Kafka (the charges service owns
 * them) and records it on the agreement (`AgreementChargeSettled`, once per charge).
 */
@Injectable()
export class AgreementChargeOutcomesConsumer {
  constructor(
    private readonly agreements: AgreementRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  handle = async (event: EventEnvelope): Promise<void> => {
    if (event.type !== 'ChargeCaptured' && event.type !== 'ChargeAuthorizationDeclined') return;
    // The charge's first event names its agreement (the log is the shared public record).
    const [created] = await this.store.readStream(event.streamId, 1);
    const agreementId = (created?.data as { agreementId?: string | null } | undefined)?.agreementId;
    if (!agreementId) return;
    const failure = event.type === 'ChargeCaptured' ? null : (event.data as { failure: ChargeFailure }).failure;
    await this.agreements.execute(
      agreementId,
      {
        type: 'RecordAgreementChargeOutcome',
        chargeId: event.streamId.slice('charge:'.length),
        status: failure ? 'FAILED' : 'CAPTURED',
        failure,
      },
      { correlationId: event.metadata.correlationId ?? event.eventId, causationId: event.eventId, actor: 'charges' },
    );
  };
}
