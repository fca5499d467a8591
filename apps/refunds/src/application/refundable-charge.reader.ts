import { Inject, Injectable } from '@nestjs/common';
import { chargeExists, chargeStateAsOf } from '@payment-ledger/contracts';
import type { EventStore } from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import type { RefundableCharge } from '../domain/refund-commands';
import { PaymentChargeNotFound } from '../domain/refund-errors';

/**
 * What the refund rule needs of a charge, read from its `charge` stream in the event store with the public charge
 * model (any service may read any stream: the log is the shared public record). Read at each decision rather than
 * learnt from Kafka, so a refund right after a capture sees it, and refunds work while the charges service is down.
 * Another merchant's charge does not exist for the caller.
 */
@Injectable()
export class RefundableChargeReader {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async read(chargeId: string, merchantId: string): Promise<RefundableCharge> {
    const charge = chargeStateAsOf(await this.store.readStream(`charge:${chargeId}`, 1));
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
