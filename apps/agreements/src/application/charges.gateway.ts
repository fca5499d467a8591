import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { CHARGES_PATTERNS, type PaymentChargeResource } from '@payment-ledger/contracts';
import { callService } from '@payment-ledger/messaging';
import { AGREEMENTS_CONFIG, type AgreementsConfig } from '../agreements.config';
import type { AgreementCharge, ExistingAgreement } from '../domain/agreement.decider';

export const CHARGES_SERVICE = Symbol('ChargesService');

/**
 * Asks the charges service (which owns charges) to make an agreement's charge; idempotent by charge id. Its
 * refusals come back as a `RemoteCallError` and are passed on as they are.
 */
@Injectable()
export class ChargesGateway implements OnApplicationShutdown {
  constructor(
    @Inject(CHARGES_SERVICE) private readonly proxy: ClientProxy,
    @Inject(AGREEMENTS_CONFIG) private readonly config: AgreementsConfig,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  createCharge(
    agreement: ExistingAgreement,
    charge: AgreementCharge,
    correlationId: string,
  ): Promise<PaymentChargeResource> {
    return callService(
      this.proxy,
      CHARGES_PATTERNS.createMerchantInitiated,
      {
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
      },
      this.config.SERVICE_CALL_TIMEOUT_MS,
    );
  }
}
