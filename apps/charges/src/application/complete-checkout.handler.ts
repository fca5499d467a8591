import { Inject, Injectable } from '@nestjs/common';
import type { CheckoutMessage, CheckoutView, CompleteCheckoutMessage } from '@payment-ledger/contracts';
import { newId } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import type { ChargeCommand } from '../domain/charge-commands';
import { type ExistingCharge, exists } from '../domain/charge.decider';
import { PaymentChargeNotFound } from '../domain/charge-errors';
import { ChargeCommandExecutor } from './charge-command.executor';
import { authorizeAndCapture } from './authorize-and-capture';

/**
 * The consumer's side of the redirect: what the provider's hosted page shows, and the consumer's decision there.
 * Only the holder of the signed link may see or decide; anyone else gets "not found".
 */
@Injectable()
export class CompleteCheckoutHandler {
  constructor(
    private readonly executor: ChargeCommandExecutor,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
  ) {}

  async view(message: CheckoutMessage): Promise<CheckoutView> {
    const state = await this.authorizedCharge(message);
    return toCheckoutView(state);
  }

  async complete(message: CompleteCheckoutMessage): Promise<CheckoutView> {
    await this.authorizedCharge(message);
    const { state } = await this.executor.execute(
      message.chargeId,
      null,
      async (charge, now): Promise<ChargeCommand | null> => {
        if (charge.status !== 'AUTHENTICATION_PENDING') return null;
        if (charge.authenticationExpiresAt && now.getTime() >= Date.parse(charge.authenticationExpiresAt)) {
          return { type: 'ExpireAuthentication' };
        }
        if (message.decision === 'CANCEL') {
          return {
            type: 'RecordConsumerCancellation',
            failure: this.provider.consumerCanceledFailure(charge.simulationCode),
          };
        }
        // A simulated BuyerCanceled means the consumer "cancels" whatever they click.
        if (charge.simulationCode === 'BuyerCanceled') {
          return {
            type: 'RecordConsumerCancellation',
            failure: this.provider.consumerCanceledFailure(charge.simulationCode),
          };
        }
        const authorizationId = newId('authorization', now.getTime());
        const outcome = await authorizeAndCapture(this.provider, charge, authorizationId, now);
        return { type: 'RecordConsumerApproval', authorizationId, ...outcome };
      },
      { correlationId: message.correlationId, actor: 'consumer' },
    );
    if (!exists(state)) throw new PaymentChargeNotFound();
    return toCheckoutView(state);
  }

  private async authorizedCharge(message: CheckoutMessage): Promise<ExistingCharge> {
    if (!this.provider.verifyRedirectToken(message.chargeId, message.token)) throw new PaymentChargeNotFound();
    const { state } = await this.executor.load(message.chargeId);
    // Only consumer-initiated charges have a hosted page.
    if (!exists(state) || state.returnUrl === null || state.authenticationExpiresAt === null) {
      throw new PaymentChargeNotFound();
    }
    return state;
  }
}

function toCheckoutView(state: ExistingCharge): CheckoutView {
  if (state.returnUrl === null || state.authenticationExpiresAt === null) throw new PaymentChargeNotFound();
  return {
    chargeId: state.id,
    status: state.status,
    merchantName: state.merchant.name,
    amount: { value: state.amount.value, currency: state.amount.currency },
    returnUrl: state.returnUrl,
    expiresAt: state.authenticationExpiresAt,
  };
}
