import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  CHARGES_PATTERNS,
  type CreateMerchantInitiatedChargeMessage,
  type PaymentChargeResource,
} from '@payment-ledger/contracts';
import { CoalescedServiceCall } from '@payment-ledger/messaging';
import { AGREEMENTS_CONFIG, type AgreementsConfig } from '../agreements.config';
import type { AgreementCharge, ExistingAgreement } from '../domain/agreement.decider';

export const CHARGES_SERVICE = Symbol('ChargesService');

/**
 * Asks the charges service (which owns charges) to make an agreement's charge; idempotent by charge id. Its
 * refusals come back as a `RemoteCallError` and are passed on as they are. Charges asked for at the same time (a
 * billing run) travel together.
 */
@Injectable()
export class ChargesGateway implements OnApplicationShutdown {
  private readonly createMerchantInitiated: CoalescedServiceCall<
    CreateMerchantInitiatedChargeMessage,
    PaymentChargeResource
  >;

  constructor(
    @Inject(CHARGES_SERVICE) private readonly proxy: ClientProxy,
    @Inject(AGREEMENTS_CONFIG) config: AgreementsConfig,
  ) {
    this.createMerchantInitiated = new CoalescedServiceCall(
      proxy,
      { one: CHARGES_PATTERNS.createMerchantInitiated, many: CHARGES_PATTERNS.createMerchantInitiatedMany },
      config.SERVICE_CALL_TIMEOUT_MS,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
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
