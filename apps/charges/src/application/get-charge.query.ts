import { Injectable } from '@nestjs/common';
import type {
  CaptureList,
  CaptureResource,
  GetChargeMessage,
  GetOperationMessage,
  ListChargeOperationsMessage,
  PaymentChargeResource,
  VoidList,
  VoidResource,
} from '@payment-ledger/contracts';
import { toPaymentChargeResource } from '@payment-ledger/contracts';
import { ChargeRepository } from './charge-repository';
import { captureList, captureResource, voidList, voidResource } from './charge-operations';

/**
 * A charge and its captures and voids, always current: folded from the charge's own stream (so a list of its
 * captures or voids asked right after one is made has it, with no read model to wait for).
 */
@Injectable()
export class GetChargeQuery {
  constructor(private readonly charges: ChargeRepository) {}

  async charge(message: GetChargeMessage): Promise<PaymentChargeResource> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    return toPaymentChargeResource(state);
  }

  async capture(message: GetOperationMessage): Promise<CaptureResource> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    return captureResource(state, message.operationId);
  }

  async captures(message: ListChargeOperationsMessage): Promise<CaptureList> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    return captureList(state, message);
  }

  async void(message: GetOperationMessage): Promise<VoidResource> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    return voidResource(state, message.operationId);
  }

  async voids(message: ListChargeOperationsMessage): Promise<VoidList> {
    const { state } = await this.charges.loadOwned(message.chargeId, message.merchantId);
    return voidList(state, message);
  }
}
