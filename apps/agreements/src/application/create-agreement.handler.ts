import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateAgreementMessage,
  hasPrefix,
  newId,
  type PaymentAgreementResource,
} from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { AgreementRequestRejected } from '../domain/agreement-errors';
import { toPaymentAgreementResource } from '@payment-ledger/contracts';
import { AgreementRepository } from './agreement-repository';

/** Creates an agreement waiting for the consumer's consent on the provider's page (AUTHENTICATION_PENDING). */
@Injectable()
export class CreateAgreementHandler {
  constructor(
    private readonly agreements: AgreementRepository,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
  ) {}

  async handle(message: CreateAgreementMessage): Promise<PaymentAgreementResource> {
    if (!hasPrefix(message.agreementId, 'agreement')) {
      throw new AgreementRequestRejected('invalid_agreement_id', 'agreementId must be an agr_ id', 'id');
    }
    const redirect = this.provider.createAgreementRedirect({
      agreementId: message.agreementId,
      merchantId: message.merchant.id,
    });
    const initial =
      message.initialPaymentCharge && message.initialPaymentChargeId
        ? { chargeId: message.initialPaymentChargeId, amount: message.initialPaymentCharge.amount }
        : null;
    const { state } = await this.agreements.execute(
      message.agreementId,
      {
        type: 'CreateAgreement',
        agreementId: message.agreementId,
        merchant: message.merchant,
        paymentMethod: message.paymentMethod,
        consumer: { name: message.consumer.name, country: message.consumer.country },
        startDate: message.startDate,
        endDate: message.endDate,
        description: message.description,
        frequency: message.frequency,
        amount: message.amount,
        amountType: message.amountType,
        instrumentId: newId('instrument'),
        returnUrl: message.returnUrl,
        merchantPaymentAgreementReference: message.merchantPaymentAgreementReference,
        webhooksUrl: message.webhooksUrl,
        simulationCode: message.simulationCode,
        authentication: { type: 'REDIRECT', ...redirect },
        initialPaymentCharge: initial,
      },
      {
        correlationId: message.correlationId,
        merchantId: message.merchant.id,
        idempotencyKey: message.idempotencyKey,
        actor: `merchant:${message.merchant.id}`,
      },
    );
    return toPaymentAgreementResource(state);
  }
}
