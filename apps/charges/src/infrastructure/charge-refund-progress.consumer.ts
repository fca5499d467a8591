import { Injectable } from '@nestjs/common';
import { chargeIdOfRefundStream, parseRefundEvent, type RefundEvent } from '@payment-ledger/contracts';
import type { EventEnvelope } from '@payment-ledger/messaging';
import { ChargeRepository } from '../application/charge-repository';

/**
 * Learns each step of a charge's refunds and chargebacks from the refunds service's `refund:<chargeId>` events on
 * Kafka and records it on the charge's own stream (`ChargeRefund…`, `ChargeChargeback…`: RecordRefundProgress), so
 * the charge's `refunds[]`, `chargebacks[]`, status and history move with them. Kafka delivers at least once and in
 * order per charge (the key is the stream id): a step recorded before decides nothing. The steps of one batch are
 * recorded charge by charge in order, different charges at once.
 */
@Injectable()
export class ChargeRefundProgressConsumer {
  constructor(private readonly charges: ChargeRepository) {}

  handleBatch = async (events: EventEnvelope[]): Promise<void> => {
    const byCharge = new Map<string, Step[]>();
    for (const envelope of events) {
      const event = parseRefundEvent(envelope);
      if (!event) continue;
      const chargeId = chargeIdOfRefundStream(envelope.streamId);
      byCharge.set(chargeId, [...(byCharge.get(chargeId) ?? []), { envelope, event }]);
    }
    await Promise.all(
      [...byCharge].map(async ([chargeId, steps]) => {
        for (const step of steps) await this.record(chargeId, step);
      }),
    );
  };

  private async record(chargeId: string, { envelope, event }: Step): Promise<void> {
    await this.charges.execute(
      chargeId,
      { type: 'RecordRefundProgress', event },
      {
        // The system records it, for no merchant; the charge must exist (PaymentChargeNotFound otherwise).
        merchantId: null,
        metadata: {
          correlationId: envelope.metadata.correlationId ?? envelope.eventId,
          causationId: envelope.eventId,
          actor: 'refunds',
        },
      },
    );
  }
}

interface Step {
  envelope: EventEnvelope;
  event: RefundEvent;
}
