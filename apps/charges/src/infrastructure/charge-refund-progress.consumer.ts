import { Injectable } from '@nestjs/common';
import { chargeIdOfRefundStream, parseRefundEvent, type RefundEvent } from '@payment-ledger/contracts';
import { type EventMetadata, StreamSnapshotCache } from '@payment-ledger/event-store';
import type { EventEnvelope } from '@payment-ledger/messaging';
import { type ChargeCommandOptions, ChargeRepository } from '../application/charge-repository';
import type { RecordRefundProgress } from '../domain/charge-commands';
import { type ChargeState, refundStepsRecorded } from '../domain/charge.decider';

/** Charges whose last snapshot the consumer keeps: the busy ones (least recently recorded on go first). */
const SNAPSHOTS_KEPT = 10_000;

/**
 * Learns each step of a charge's refunds and chargebacks from the refunds service's `refund:<chargeId>` events on
 * Kafka and records it on the charge's own stream (`ChargeRefund…`, `ChargeChargeback…`: RecordRefundProgress), so
 * the charge's `refunds[]`, `chargebacks[]`, status and history move with them. Kafka delivers at least once and in
 * order per charge (the key is the stream id): a step recorded before decides nothing.
 *
 * The steps of one charge in a batch are one command (one decision, one append; each recorded event names the step
 * it records as its cause), different charges at once. A charge busy with refunds is not read again for each batch:
 * the command starts from the charge as this consumer last left it (StreamSnapshotCache). That is safe: a snapshot
 * is the charge at its version, only ever behind (something else appended since: a capture, another replica before
 * a rebalance), and a decision on a snapshot that is behind either appends, which fails the version check and the
 * command loop reads the charge and decides again, or records nothing, which is then checked against the events
 * appended since the snapshot (and decided again on them, if there are any) before it counts.
 */
@Injectable()
export class ChargeRefundProgressConsumer {
  private readonly snapshots = new StreamSnapshotCache<ChargeState>(SNAPSHOTS_KEPT);

  constructor(private readonly charges: ChargeRepository) {}

  handleBatch = async (events: EventEnvelope[]): Promise<void> => {
    const byCharge = new Map<string, Step[]>();
    for (const envelope of events) {
      const event = parseRefundEvent(envelope);
      if (!event) continue;
      const chargeId = chargeIdOfRefundStream(envelope.streamId);
      const steps = byCharge.get(chargeId);
      if (steps) steps.push({ envelope, event });
      else byCharge.set(chargeId, [{ envelope, event }]);
    }
    await Promise.all([...byCharge].map(([chargeId, steps]) => this.record(chargeId, steps)));
  };

  private async record(chargeId: string, steps: Step[]): Promise<void> {
    const events = steps.map((step) => step.event);
    const command: RecordRefundProgress = { type: 'RecordRefundProgress', events };
    const options: ChargeCommandOptions = {
      // The system records it, for no merchant; the charge must exist (PaymentChargeNotFound otherwise).
      merchantId: null,
      metadata: metadataOf(steps[0].envelope),
      eventMetadata: (recorded) =>
        refundStepsRecorded(recorded, events).map((i) => (i >= 0 ? metadataOf(steps[i].envelope) : undefined)),
    };
    const known = this.snapshots.get(chargeId);
    try {
      let step = await this.charges.execute(chargeId, command, { ...options, known });
      if (known && step.newEvents.length === 0) {
        const current = await this.charges.load(chargeId, known);
        if (current.version !== known.version) {
          step = await this.charges.execute(chargeId, command, { ...options, known: current });
        }
      }
      this.snapshots.set(chargeId, step);
    } catch (error) {
      // What the charge is now is not known (a concurrent write, an append that may have happened): read it next time.
      this.snapshots.delete(chargeId);
      throw error;
    }
  }
}

/** A step's events are recorded by the system for the refunds service, in the step's correlation, caused by it. */
function metadataOf(envelope: EventEnvelope): EventMetadata {
  return {
    correlationId: envelope.metadata.correlationId ?? envelope.eventId,
    causationId: envelope.eventId,
    actor: 'refunds',
  };
}

interface Step {
  envelope: EventEnvelope;
  event: RefundEvent;
}
