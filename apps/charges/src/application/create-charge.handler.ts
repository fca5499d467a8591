import { Inject, Injectable } from '@nestjs/common';
import { type CreateChargeMessage, hasPrefix, money, type PaymentChargeResource } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { exists } from '../domain/charge.decider';
import { ChargeRequestRejected } from '../domain/charge-errors';
import { toPaymentChargeResource } from '@payment-ledger/contracts';
import { ChargeRepository } from './charge-repository';

/** Creates a charge and returns it with the REDIRECT authentication method the consumer must follow. */
@Injectable()
export class CreateChargeHandler {
  constructor(
    private readonly charges: ChargeRepository,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
  ) {}

  async handle(message: CreateChargeMessage): Promise<PaymentChargeResource> {
    if (!hasPrefix(message.chargeId, 'charge')) {
      throw new ChargeRequestRejected('invalid_charge_id', 'chargeId must be a charge_ id', 'id');
    }
    if (message.paymentMethod !== this.provider.paymentMethod) {
      throw new ChargeRequestRejected('payment_method_not_supported', 'unsupported payment method', 'paymentMethod');
    }
    const redirect = this.provider.createRedirect({ chargeId: message.chargeId, merchantId: message.merchant.id });
    const { state } = await this.charges.execute(
      message.chargeId,
      {
        type: 'CreateCharge',
        chargeId: message.chargeId,
        merchant: message.merchant,
        paymentMethod: message.paymentMethod,
        amount: amountOf(message.amount),
        consumer: { name: message.consumer.name, country: message.consumer.country },
        captureMethod: message.captureMethod,
        returnUrl: message.returnUrl,
        webhooksUrl: message.webhooksUrl,
        merchantPaymentChargeReference: message.merchantPaymentChargeReference,
        simulationCode: message.simulationCode,
        authentication: { type: 'REDIRECT', ...redirect },
      },
      {
        merchantId: message.merchant.id,
        creates: true,
        metadata: {
          correlationId: message.correlationId,
          merchantId: message.merchant.id,
          idempotencyKey: message.idempotencyKey,
          actor: `merchant:${message.merchant.id}`,
        },
      },
    );
    if (!exists(state)) throw new Error('a created charge must exist');
    return toPaymentChargeResource(state);
  }
}

function amountOf(amount: { value: number; currency: string }) {
  try {
    return money(amount.value, amount.currency);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'invalid_currency') {
      throw new ChargeRequestRejected(
        'currency_not_supported',
        `unknown currency ${amount.currency}`,
        'amount.currency',
      );
    }
    throw new ChargeRequestRejected('invalid_amount', (error as Error).message, 'amount.value');
  }
}
