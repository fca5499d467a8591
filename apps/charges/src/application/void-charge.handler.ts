import { Injectable } from '@nestjs/common';
import type { VoidChargeMessage, VoidResource } from '@payment-ledger/contracts';
import { voidResource } from './charge-operations';
import { ChargeRepository } from './charge-repository';

/** A merchant releases what is authorized and not captured (intent, provider call keyed by the void id, answer). */
@Injectable()
export class VoidChargeHandler {
  constructor(private readonly charges: ChargeRepository) {}

  async handle(message: VoidChargeMessage): Promise<VoidResource> {
    const { state } = await this.charges.execute(
      message.chargeId,
      { type: 'VoidCharge', voidId: message.voidId, reason: 'MERCHANT_REQUESTED' },
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
    return voidResource(state, message.voidId);
  }
}
