import { Inject, Injectable } from '@nestjs/common';
import type { CaptureChargeMessage, CaptureResource } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { openAmount } from '../domain/charge.decider';
import { AmountExceedsAuthorized, InvalidChargeStatus } from '../domain/charge-errors';
import { ChargeCommandExecutor } from './charge-command.executor';
import { captureResource } from './charge-operations';

/** A merchant captures all or part of what is authorized (manual capture). */
@Injectable()
export class CaptureChargeHandler {
  constructor(
    private readonly executor: ChargeCommandExecutor,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
  ) {}

  async handle(message: CaptureChargeMessage): Promise<CaptureResource> {
    const { state } = await this.executor.execute(
      message.chargeId,
      message.merchantId,
      async (charge) => {
        // A retried request (same capture id) finds its capture already made.
        if (charge.captures.some((c) => c.id === message.captureId)) return null;
        if (!['CAPTURE_PENDING', 'CAPTURED'].includes(charge.status)) {
          throw new InvalidChargeStatus(charge.status, 'capture');
        }
        const amount = message.amount ?? openAmount(charge);
        if (amount > openAmount(charge)) throw new AmountExceedsAuthorized(amount, openAmount(charge));
        const authorization = charge.authorizations.find((a) => a.status === 'AUTHORIZED');
        const result = await this.provider.capture({
          chargeId: charge.id,
          operationId: message.captureId,
          authorizationReference: authorization?.providerReference ?? null,
          amount: { value: amount, currency: charge.amount.currency },
        });
        return { type: 'CaptureCharge', captureId: message.captureId, amount, result };
      },
      {
        correlationId: message.correlationId,
        merchantId: message.merchantId,
        idempotencyKey: message.idempotencyKey,
        actor: `merchant:${message.merchantId}`,
      },
    );
    return captureResource(state, message.captureId);
  }
}
