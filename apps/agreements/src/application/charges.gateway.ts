import { Injectable } from '@nestjs/common';
import {
  CHARGES_PATTERNS,
  type CreateMerchantInitiatedChargeMessage,
  type PaymentChargeResource,
} from '@payment-ledger/contracts';
import { type CoalescedServiceCall, InjectRpcClient, type RpcClient } from '@payment-ledger/rpc';
import type { AgreementCharge, ExistingAgreement } from '../domain/agreement.decider';

/**
 * Asks the charges service (which owns charges) to make an agreement's charge, for the agreement's merchant;
 * idempotent by charge id. Its refusals come back as a `RemoteCallError` and are passed on as they are. Charges
 * asked for at the same time (a billing run) travel together.
 */
@Injectable()
export class ChargesGateway {
  private readonly createMerchantInitiated: CoalescedServiceCall<
    CreateMerchantInitiatedChargeMessage,
    PaymentChargeResource
  >;

  constructor(@InjectRpcClient('charges') charges: RpcClient) {
    this.createMerchantInitiated = charges.coalesced(
      CHARGES_PATTERNS.createMerchantInitiated,
      CHARGES_PATTERNS.createMerchantInitiatedMany,
    );
  }

  createCharge(
    agreement: ExistingAgreement,
    charge: AgreementCharge,
    correlationId: string,
  ): Promise<PaymentChargeResource> {
    return this.createMerchantInitiated.call({
      correlationId,
      idempotencyKey: `${agreement.id}:${charge.chargeId}`,
      merchant: agreement.merchant,
      chargeId: charge.chargeId,
      agreementId: agreement.id,
      instrumentId: agreement.instrumentId,
      paymentMethod: agreement.paymentMethod,
      amount: charge.amount,
      consumer: agreement.consumer,
      webhooksUrl: agreement.webhooksUrl,
      merchantPaymentChargeReference: charge.merchantPaymentChargeReference,
      simulationCode: charge.simulationCode,
    });
  }
}
