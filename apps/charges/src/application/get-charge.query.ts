import { Injectable } from '@nestjs/common';
import type {
  CaptureResource,
  GetChargeMessage,
  GetOperationMessage,
  PaymentChargeResource,
  VoidResource,
} from '@payment-ledger/contracts';
import { toPaymentChargeResource } from '@payment-ledger/contracts';
import { ChargeRepository } from './charge-repository';
import { captureResource, voidResource } from './charge-operations';

/** A charge and its captures and voids, always current: folded from the charge's own stream. */
@Injectable()
export class GetChargeQuery {
  constructor(private readonly charges: ChargeRepository) {}

  async charge(message: GetChargeMessage): Promise<PaymentChargeResource> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    return toPaymentChargeResource(state);
  }

  async captures(message: GetOperationMessage): Promise<CaptureResource | { data: CaptureResource[] }> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    if (message.operationId !== undefined) return captureResource(state, message.operationId);
    return { data: state.captures.map((c) => captureResource(state, c.id)) };
  }

  async voids(message: GetOperationMessage): Promise<VoidResource | { data: VoidResource[] }> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    if (message.operationId !== undefined) return voidResource(state, message.operationId);
    return { data: state.voids.map((v) => voidResource(state, v.id)) };
  }
}
