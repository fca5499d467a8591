import { Inject, Injectable } from '@nestjs/common';
import {
  chargeExists,
  type ChargeState,
  evolveCharge,
  initialChargeState,
  parseChargeEvent,
} from '@payment-ledger/contracts';
import { type EventStore, StreamSnapshotCache } from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import type { RefundableCharge } from '../domain/refund-commands';
import { PaymentChargeNotFound } from '../domain/refund-errors';

/**
 * What the refund rule needs of a charge, read from its `charge` stream in the event store with the public charge
 * model (any service may read any stream: the log is the shared public record). Read from the log rather than learnt
 * from Kafka, so a refund right after a capture sees it, and refunds are taken while the charges service is down.
 * Another merchant's charge does not exist for the caller.
 *
 * The charge as last read is kept (StreamSnapshotCache), and by default answered from there with no read: what was
 * captured only grows and the merchant never changes, so a cached charge can only understate what is refundable. A
 * caller refused on it asks again with `fresh`, which reads just the events after the cached version.
 */
@Injectable()
export class RefundableChargeReader {
  private readonly charges = new StreamSnapshotCache<ChargeState>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async read(chargeId: string, merchantId: string, options: { fresh?: boolean } = {}): Promise<RefundableCharge> {
    const streamId = `charge:${chargeId}`;
    let snapshot = this.charges.get(streamId);
    if (!snapshot || options.fresh) {
      const from = snapshot ?? { state: initialChargeState, version: 0 };
      const events = await this.store.readStream(streamId, from.version + 1);
      let state = from.state;
      for (const stored of events) {
        const event = parseChargeEvent(stored);
        if (event) state = evolveCharge(state, event);
      }
      snapshot = { state, version: events.at(-1)?.streamVersion ?? from.version };
      if (chargeExists(state)) this.charges.set(streamId, snapshot);
    }
    const charge = snapshot.state;
    if (!chargeExists(charge) || charge.merchant.id !== merchantId) throw new PaymentChargeNotFound();
    const captured = charge.captures.filter((c) => c.status === 'CAPTURED');
    return {
      chargeId: charge.id,
      merchantId: charge.merchant.id,
      paymentMethod: charge.paymentMethod,
      currency: charge.amount.currency,
      capturedAmount: captured.reduce((total, c) => total + c.amount, 0),
      lastCapturedAt: captured.reduce<string | null>(
        (last, c) => (last === null || c.updatedAt > last ? c.updatedAt : last),
        null,
      ),
    };
  }
}
