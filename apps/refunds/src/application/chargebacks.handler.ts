import { Injectable } from '@nestjs/common';
import {
  type ChargebackResource,
  type OpenChargebackMessage,
  type ResolveChargebackMessage,
  toChargebackResource,
} from '@payment-ledger/contracts';
import type { ChargeRefundsState } from '../domain/charge-refunds.decider';
import { ChargebackNotFound } from '../domain/refund-errors';
import { decideFresh } from './decide-fresh';
import { RefundableChargeReader } from './refundable-charge.reader';
import { RefundRepository } from './refund-repository';

/**
 * Chargebacks as the provider reports them. In the sandbox a merchant raises and resolves them through the gateway's
 * sandbox routes (standing in for the provider's notification, which the webhooks issue brings); either way they are
 * recorded on the charge's refund stream, under the same rule as refunds, and the charges service shows them.
 */
@Injectable()
export class ChargebacksHandler {
  constructor(
    private readonly refunds: RefundRepository,
    private readonly charges: RefundableChargeReader,
  ) {}

  async open(message: OpenChargebackMessage): Promise<ChargebackResource> {
    const { state } = await decideFresh(async (fresh) => {
      const { merchant } = message;
      const charge = await this.charges.read(message.chargeId, merchant.id, { fresh });
      return this.refunds.execute(
        message.chargeId,
        {
          type: 'OpenChargeback',
          chargebackId: message.chargebackId,
          merchant: { id: merchant.id, mode: merchant.mode },
          charge,
          amount: message.amount,
          reason: message.reason,
        },
        { merchantId: merchant.id, metadata: this.metadata(message), fresh },
      );
    });
    return chargeback(state, message.chargebackId);
  }

  async resolve(message: ResolveChargebackMessage): Promise<ChargebackResource> {
    const { merchant } = message;
    await this.charges.read(message.chargeId, merchant.id);
    const { state } = await decideFresh((fresh) =>
      this.refunds.execute(
        message.chargeId,
        {
          type: 'ResolveChargeback',
          chargebackId: message.chargebackId,
          merchant: { id: merchant.id, mode: merchant.mode },
          outcome: message.outcome,
        },
        { merchantId: merchant.id, metadata: this.metadata(message), fresh },
      ),
    );
    return chargeback(state, message.chargebackId);
  }

  private metadata(message: OpenChargebackMessage | ResolveChargebackMessage) {
    return {
      correlationId: message.correlationId,
      merchantId: message.merchant.id,
      idempotencyKey: message.idempotencyKey,
      actor: 'provider:sandbox',
    };
  }
}

function chargeback(state: ChargeRefundsState, chargebackId: string): ChargebackResource {
  const found = state.chargebacks.find((c) => c.id === chargebackId);
  if (!found) throw new ChargebackNotFound();
  return toChargebackResource(found);
}
