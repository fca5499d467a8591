import { Inject, Injectable } from '@nestjs/common';
import {
  type CreateMerchantInitiatedChargeMessage,
  hasPrefix,
  money,
  newId,
  type PaymentChargeResource,
} from '@payment-ledger/contracts';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { exists } from '../domain/charge.decider';
import { ChargeRequestRejected } from '../domain/charge-errors';
import { toPaymentChargeResource } from '@payment-ledger/contracts';
import { ChargeRepository } from './charge-repository';

/**
 * A merchant-initiated charge under a payment agreement (seed 001 "Make Subsequent Recurring Charges"): no consumer
 * interaction. The charge is created with the intent to authorize and capture at once; the provider is then asked
 * (keyed by the authorization id) and the charge is answered with its outcome (CAPTURED, FAILED, or
 * AUTHORIZATION_ASYNC; AUTHORIZATION_PROCESSING if the provider did not answer, until the retry does). The charge id
 * comes from the caller, so a retry creates nothing new and finds the charge as it is.
 */
@Injectable()
export class CreateMerchantInitiatedChargeHandler {
  constructor(
    private readonly charges: ChargeRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async handle(message: CreateMerchantInitiatedChargeMessage): Promise<PaymentChargeResource> {
    if (!hasPrefix(message.chargeId, 'charge')) {
      throw new ChargeRequestRejected('invalid_charge_id', 'chargeId must be a charge_ id', 'id');
    }
    let amount;
    try {
      amount = money(message.amount.value, message.amount.currency);
    } catch (error) {
      throw new ChargeRequestRejected('invalid_amount', (error as Error).message, 'amount.value');
    }
    const now = this.clock.now().getTime();
    const { state } = await this.charges.execute(
      message.chargeId,
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
        authorizationId: newId('authorization', now),
        captureId: newId('capture', now),
      },
      {
        merchantId: message.merchant.id,
        creates: true,
        metadata: {
          correlationId: message.correlationId,
          merchantId: message.merchant.id,
          idempotencyKey: message.idempotencyKey,
          actor: `merchant:${message.merchant.id}`,
          agreementId: message.agreementId,
        },
      },
    );
    if (!exists(state)) throw new Error('a created charge must exist');
    return toPaymentChargeResource(state);
  }
}
