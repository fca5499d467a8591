import { Inject, Injectable } from '@nestjs/common';
import type { VoidChargeMessage, VoidResource } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { openAmount } from '../domain/charge.decider';
import { InvalidChargeStatus } from '../domain/charge-errors';
import { ChargeCommandExecutor } from './charge-command.executor';
import { voidResource } from './charge-operations';

/** A merchant releases what is authorized and not captured. */
@Injectable()
export class VoidChargeHandler {
  constructor(
    private readonly executor: ChargeCommandExecutor,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
  ) {}

  async handle(message: VoidChargeMessage): Promise<VoidResource> {
    const { state } = await this.executor.execute(
      message.chargeId,
      message.merchantId,
      async (charge) => {
        if (charge.voids.some((v) => v.id === message.voidId)) return null;
        if (!['CAPTURE_PENDING', 'CAPTURED'].includes(charge.status) || openAmount(charge) === 0) {
          throw new InvalidChargeStatus(charge.status, 'void');
        }
        const authorization = charge.authorizations.find((a) => a.status === 'AUTHORIZED');
        const result = await this.provider.void({
          chargeId: charge.id,
          operationId: message.voidId,
          authorizationReference: authorization?.providerReference ?? null,
          amount: { value: openAmount(charge), currency: charge.amount.currency },
        });
        return { type: 'VoidCharge', voidId: message.voidId, reason: 'MERCHANT_REQUESTED', result };
      },
      {
        correlationId: message.correlationId,
        merchantId: message.merchantId,
        idempotencyKey: message.idempotencyKey,
        actor: `merchant:${message.merchantId}`,
      },
    );
    return voidResource(state, message.voidId);
  }
}
