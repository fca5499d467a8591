import { Inject, Injectable } from '@nestjs/common';
import type { ChargeFailure } from '@payment-ledger/contracts';
import type { EventStore } from '@payment-ledger/event-store';
import { EVENT_STORE, type EventEnvelope } from '@payment-ledger/messaging';
import { AgreementRepository } from '../application/agreement-repository';

/**
 * Learns the outcome of charges made under agreements from the charge events on Kafka (the charges service owns
 * them) and records it on the agreement (`AgreementChargeSettled`, once per charge; recording twice decides
 * nothing). The outcomes of one batch are recorded agreement by agreement in order, different agreements at once
 * (so the event store can read and append them together).
 */
@Injectable()
export class AgreementChargeOutcomesConsumer {
  constructor(
    private readonly agreements: AgreementRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  handleBatch = async (events: EventEnvelope[]): Promise<void> => {
    const outcomes = events.filter((e) => e.type === 'ChargeCaptured' || e.type === 'ChargeAuthorizationDeclined');
    const byAgreement = new Map<string, EventEnvelope[]>();
    const agreementIds = await Promise.all(outcomes.map((e) => this.agreementOf(e)));
    outcomes.forEach((event, i) => {
      const agreementId = agreementIds[i];
      if (agreementId) byAgreement.set(agreementId, [...(byAgreement.get(agreementId) ?? []), event]);
    });
    await Promise.all(
      [...byAgreement].map(async ([agreementId, ofAgreement]) => {
        for (const event of ofAgreement) await this.record(agreementId, event);
      }),
    );
  };

  private async record(agreementId: string, event: EventEnvelope): Promise<void> {
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
  }

  /**
   * A charge made in one append with its outcome (the usual merchant-initiated charge) names its agreement in the
   * metadata; an outcome written later (an async authorization settled by a timer) does not, and the charge's first
   * event (the log is the shared public record) says it.
   */
  private async agreementOf(event: EventEnvelope): Promise<string | null | undefined> {
    if (typeof event.metadata.agreementId === 'string') return event.metadata.agreementId;
    const [created] = await this.store.readStream(event.streamId, 1);
    return (created?.data as { agreementId?: string | null } | undefined)?.agreementId;
  }
}
