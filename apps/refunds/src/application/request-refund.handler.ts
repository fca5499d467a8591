import { Injectable } from '@nestjs/common';
import { ConcurrencyError } from '@payment-ledger/event-store';
import { type CreateRefundMessage, type RefundResource, toRefundResource } from '@payment-ledger/contracts';
import { RefundNotFound } from '../domain/refund-errors';
import { decideFresh } from './decide-fresh';
import { RefundableChargeReader } from './refundable-charge.reader';
import { RefundRepository } from './refund-repository';

/**
 * A merchant refunds all or part of what is left of a captured charge: the intent is recorded (only if the refund
 * rule holds for the charge's refund stream as it is), the provider is asked with the refund id as its key, and the
 * answer recorded. The refund comes back SUCCEEDED or FAILED, or REFUND_PENDING while the provider settles it (a
 * timer asks it again) or did not answer (a timer makes the same call again).
 */
@Injectable()
export class RequestRefundHandler {
  constructor(
    private readonly refunds: RefundRepository,
    private readonly charges: RefundableChargeReader,
  ) {}

  async handle(message: CreateRefundMessage): Promise<RefundResource> {
    let state;
    try {
      ({ state } = await decideFresh((fresh) => this.request(message, fresh)));
    } catch (error) {
      // Racing another replica on this charge, the loop may give up after the intent was appended (recording the
      // provider's answer lost every race): the refund exists, its retry timer finishes it, and the merchant must
      // get it rather than an error (a retry with the same key after an error would name a new refund).
      if (!(error instanceof ConcurrencyError)) throw error;
      ({ state } = await this.refunds.load(message.chargeId));
      if (!state.refunds.some((r) => r.id === message.refundId)) throw error;
    }
    const refund = state.refunds.find((r) => r.id === message.refundId);
    if (!refund) throw new RefundNotFound();
    return toRefundResource(refund);
  }

  private async request(message: CreateRefundMessage, fresh: boolean) {
    const { merchant } = message;
    const charge = await this.charges.read(message.chargeId, merchant.id, { fresh });
    return this.refunds.execute(
      message.chargeId,
      {
        type: 'RequestRefund',
        refundId: message.refundId,
        merchant: { id: merchant.id, mode: merchant.mode },
        charge,
        amount: message.amount ?? null,
        reason: message.reason,
        merchantRefundReference: message.merchantRefundReference,
        simulationCode: message.simulationCode,
      },
      {
        merchantId: merchant.id,
        metadata: {
          correlationId: message.correlationId,
          merchantId: merchant.id,
          idempotencyKey: message.idempotencyKey,
          actor: `merchant:${merchant.id}`,
        },
        fresh,
      },
    );
  }
}
