import { Injectable } from '@nestjs/common';
import type { CaptureChargeMessage, CaptureResource } from '@payment-ledger/contracts';
import { captureResource } from './charge-operations';
import { ChargeRepository } from './charge-repository';

/**
 * A merchant captures all or part of what is authorized (manual capture): the intent is recorded, the provider is
 * asked with the capture id as its key, and the answer recorded; the capture comes back CAPTURED, or PROCESSING when
 * the provider did not answer (a retry timer asks again with the same key).
 */
@Injectable()
export class CaptureChargeHandler {
  constructor(private readonly charges: ChargeRepository) {}

  async handle(message: CaptureChargeMessage): Promise<CaptureResource> {
    const { state } = await this.charges.execute(
      message.chargeId,
      { type: 'CaptureCharge', captureId: message.captureId, amount: message.amount ?? null },
      {
        merchantId: message.merchantId,
        metadata: {
          correlationId: message.correlationId,
          merchantId: message.merchantId,
          idempotencyKey: message.idempotencyKey,
          actor: `merchant:${message.merchantId}`,
        },
      },
    );
    return captureResource(state, message.captureId);
  }
}
