import { Inject, Injectable } from '@nestjs/common';
import type { CheckoutMessage, CheckoutView, CompleteCheckoutMessage } from '@payment-ledger/contracts';
import { hasPrefix, newId } from '@payment-ledger/contracts';
import {
  assertHostedPageLink,
  HostedPageLinkInvalid,
  PAYMENT_METHOD_PROVIDER,
  type PaymentMethodProvider,
} from '@payment-ledger/payment-methods';
import type { ChargeCommand } from '../domain/charge-commands';
import { type ExistingCharge, exists } from '../domain/charge.decider';
import { PaymentChargeNotFound } from '../domain/charge-errors';
import type { StreamSnapshot } from '@payment-ledger/event-store';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { ChargeRepository } from './charge-repository';

/**
 * The consumer's side of the redirect: what the provider's hosted page shows, and the consumer's decision there.
 * Only the holder of the charge's signed link, before it expires, may see or decide: anyone else is refused with
 * `hosted_page_link_invalid` (an unknown charge too, so the page tells nothing about which charges exist), and a
 * genuine link past its expiry with `hosted_page_link_expired`.
 */
@Injectable()
export class CompleteCheckoutHandler {
  constructor(
    private readonly charges: ChargeRepository,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async view(message: CheckoutMessage): Promise<CheckoutView> {
    const { state } = await this.authorizedCharge(message);
    return toCheckoutView(state);
  }

  async complete(message: CompleteCheckoutMessage): Promise<CheckoutView> {
    const known = await this.authorizedCharge(message);
    const charge = known.state;
    if (charge.status !== 'AUTHENTICATION_PENDING') return toCheckoutView(charge);
    const now = this.clock.now();
    const command = this.decisionOf(message, charge, now);
    const { state } = await this.charges.execute(message.chargeId, command, {
      merchantId: null,
      known,
      metadata: { correlationId: message.correlationId, actor: 'consumer' },
    });
    if (!exists(state)) throw new PaymentChargeNotFound();
    return toCheckoutView(state);
  }

  /** The consumer's click as a command; a simulated BuyerCanceled "cancels" whatever they click. */
  private decisionOf(message: CompleteCheckoutMessage, charge: ExistingCharge, now: Date): ChargeCommand {
    if (charge.authenticationExpiresAt && now.getTime() >= Date.parse(charge.authenticationExpiresAt)) {
      return { type: 'ExpireAuthentication' };
    }
    if (message.decision === 'CANCEL' || charge.simulationCode === 'BuyerCanceled') {
      return {
        type: 'RecordConsumerCancellation',
        failure: this.provider.consumerCanceledFailure(charge.simulationCode),
      };
    }
    return {
      type: 'RecordConsumerApproval',
      authorizationId: newId('authorization', now.getTime()),
      captureId: newId('capture', now.getTime()),
    };
  }

  private async authorizedCharge(message: CheckoutMessage): Promise<StreamSnapshot<ExistingCharge>> {
    if (!hasPrefix(message.chargeId, 'charge')) throw new HostedPageLinkInvalid();
    const { state, version } = await this.charges.load(message.chargeId);
    // Only consumer-initiated charges have a hosted page.
    if (!exists(state) || state.returnUrl === null || state.authenticationExpiresAt === null) {
      throw new HostedPageLinkInvalid();
    }
    const subject = { chargeId: state.id, merchantId: state.merchant.id };
    assertHostedPageLink(this.provider.checkRedirectToken(subject, message.token));
    return { state, version };
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
