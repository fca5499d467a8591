import { Inject, Injectable } from '@nestjs/common';
import {
  chargeIdOfStream,
  type ChargeSettlement,
  chargeSettlementOf,
  parseChargeEvent,
} from '@payment-ledger/contracts';
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
    const outcomes: Outcome[] = [];
    for (const envelope of events) {
      const event = parseChargeEvent(envelope);
      const settlement = event && chargeSettlementOf(event);
      if (settlement) outcomes.push({ envelope, settlement });
    }
    const byAgreement = new Map<string, Outcome[]>();
    const agreementIds = await Promise.all(outcomes.map((o) => this.agreementOf(o.envelope)));
    outcomes.forEach((outcome, i) => {
      const agreementId = agreementIds[i];
      if (agreementId) byAgreement.set(agreementId, [...(byAgreement.get(agreementId) ?? []), outcome]);
    });
    await Promise.all(
      [...byAgreement].map(async ([agreementId, ofAgreement]) => {
        for (const outcome of ofAgreement) await this.record(agreementId, outcome);
      }),
    );
  };

  private async record(agreementId: string, { envelope, settlement }: Outcome): Promise<void> {
    await this.agreements.execute(
      agreementId,
      {
        type: 'RecordAgreementChargeOutcome',
        chargeId: chargeIdOfStream(envelope.streamId),
        status: settlement.status === 'CAPTURED' ? 'CAPTURED' : 'FAILED',
        failure: settlement.failure,
      },
      {
        correlationId: envelope.metadata.correlationId ?? envelope.eventId,
        causationId: envelope.eventId,
        actor: 'charges',
      },
    );
  }

  /**
   * A charge made in one append with its outcome (the usual merchant-initiated charge) names its agreement in the
   * metadata; an outcome written later (an async authorization settled by a timer) does not, and the charge's first
   * event (the log is the shared public record) says it.
   */
  private async agreementOf(event: EventEnvelope): Promise<string | null> {
    if (typeof event.metadata.agreementId === 'string') return event.metadata.agreementId;
    const [first] = await this.store.readStream(event.streamId, 1);
    const created = first && parseChargeEvent(first);
    return created?.type === 'ChargeCreated' ? created.data.agreementId : null;
  }
}

interface Outcome {
  envelope: EventEnvelope;
  settlement: ChargeSettlement;
}
