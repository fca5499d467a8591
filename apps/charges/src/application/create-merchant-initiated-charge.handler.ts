import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateMerchantInitiatedChargeMessage,
  hasPrefix,
  money,
  newId,
  type PaymentChargeResource,
} from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { exists } from '../domain/charge.decider';
import { ChargeRequestRejected } from '../domain/charge-errors';
import { toPaymentChargeResource } from '../domain/charge-resource';
import { captureIfAutomatic } from './authorize-and-capture';
import { ChargeCommandExecutor } from './charge-command.executor';

/**
 * A merchant-initiated charge under a payment agreement (seed 001 "Make Subsequent Recurring Charges"): no consumer
 * interaction, so it goes straight to the provider with the saved instrument and is answered with its outcome
 * (CAPTURED, FAILED, or AUTHORIZATION_ASYNC). The charge id comes from the caller, so a retry creates nothing new.
 */
@Injectable()
export class CreateMerchantInitiatedChargeHandler {
  constructor(
    private readonly executor: ChargeCommandExecutor,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async handle(message: CreateMerchantInitiatedChargeMessage): Promise<PaymentChargeResource> {
    if (!hasPrefix(message.chargeId, 'charge')) {
      throw new ChargeRequestRejected('invalid_charge_id', 'chargeId must be a charge_ id', 'id');
    }
    const existing = await this.executor.load(message.chargeId);
    if (exists(existing.state)) {
      if (existing.state.merchant.id !== message.merchant.id)
        throw new ChargeRequestRejected('invalid_charge_id', 'charge id in use', 'id');
      return toPaymentChargeResource(existing.state);
    }
    let amount;
    try {
      amount = money(message.amount.value, message.amount.currency);
    } catch (error) {
      throw new ChargeRequestRejected('invalid_amount', (error as Error).message, 'amount.value');
    }
    const now = this.clock.now();
    const authorizationId = newId('authorization', now.getTime());
    const outcome = await this.provider.authorize({
      chargeId: message.chargeId,
      authorizationId,
      amount,
      simulationCode: message.simulationCode,
      now,
    });
    const step = await captureIfAutomatic(
      this.provider,
      { id: message.chargeId, captureMethod: 'AUTOMATIC', amount } as Parameters<typeof captureIfAutomatic>[1],
      outcome,
      now,
    );
    const { state } = await this.executor.create(
      {
        type: 'CreateMerchantInitiatedCharge',
        chargeId: message.chargeId,
        merchant: message.merchant,
        paymentMethod: message.paymentMethod,
        amount,
        consumer: { name: message.consumer.name, country: message.consumer.country },
        agreementId: message.agreementId,
        instrumentId: message.instrumentId,
        webhooksUrl: message.webhooksUrl,
        merchantPaymentChargeReference: message.merchantPaymentChargeReference,
        simulationCode: message.simulationCode,
        authorizationId,
        ...step,
      },
      {
        correlationId: message.correlationId,
        merchantId: message.merchant.id,
        idempotencyKey: message.idempotencyKey,
        actor: `merchant:${message.merchant.id}`,
        agreementId: message.agreementId,
      },
    );
    if (!exists(state)) throw new Error('a created charge must exist');
    return toPaymentChargeResource(state);
  }
}
