import { Inject, Injectable } from '@nestjs/common';
import type {
  AgreementCheckoutMessage,
  AgreementCheckoutView,
  CompleteAgreementCheckoutMessage,
} from '@payment-ledger/contracts';
import { JsonLogger } from '@payment-ledger/platform';
import {
  assertHostedPageLink,
  HostedPageLinkInvalid,
  PAYMENT_METHOD_PROVIDER,
  type PaymentMethodProvider,
} from '@payment-ledger/payment-methods';
import { hasPrefix } from '@payment-ledger/contracts';
import type { ExistingAgreement } from '../domain/agreement.decider';
import { PaymentAgreementNotFound } from '../domain/agreement-errors';
import { AgreementRepository } from './agreement-repository';
import { ChargesGateway } from './charges.gateway';

/**
 * The consumer's consent on the provider's page. Approval activates the agreement and, when asked for, makes its
 * initial charge; a failed initial charge leaves the agreement ACTIVE, to be charged again.
 */
@Injectable()
export class CompleteAgreementCheckoutHandler {
  constructor(
    private readonly agreements: AgreementRepository,
    private readonly charges: ChargesGateway,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    private readonly logger: JsonLogger,
  ) {}

  async view(message: AgreementCheckoutMessage): Promise<AgreementCheckoutView> {
    return toView(await this.authorized(message));
  }

  async complete(message: CompleteAgreementCheckoutMessage): Promise<AgreementCheckoutView> {
    const current = await this.authorized(message);
    if (current.status !== 'AUTHENTICATION_PENDING') return toView(current);
    const decision =
      message.decision === 'APPROVE' && current.simulationCode !== 'BuyerCanceled'
        ? ({ type: 'ApproveAgreement' } as const)
        : ({
            type: 'CancelAgreementAuthentication',
            failure: this.provider.consumerCanceledFailure(current.simulationCode),
          } as const);
    const { state, newEvents } = await this.agreements.execute(current.id, decision, {
      correlationId: message.correlationId,
      actor: 'consumer',
    });
    const initial = newEvents.find((e) => e.type === 'AgreementChargeRequested');
    const charge = initial && state.charges.find((c) => c.chargeId === initial.data.chargeId);
    if (charge) {
      // The dispatcher makes it from the event if this call fails; the consumer need not wait for that.
      await this.charges.createCharge(state, charge, message.correlationId).catch((error: unknown) => {
        this.logger.event('warn', 'agreements.initial_charge_deferred', { agreementId: state.id, error });
      });
    }
    return toView(state);
  }

  /**
   * The agreement, for the holder of its signed link before it expires (see CompleteCheckoutHandler in charges:
   * an unknown agreement is refused as an invalid link).
   */
  private async authorized(message: AgreementCheckoutMessage): Promise<ExistingAgreement> {
    if (!hasPrefix(message.agreementId, 'agreement')) throw new HostedPageLinkInvalid();
    const state = await this.agreements.load(message.agreementId).catch((error: unknown) => {
      throw error instanceof PaymentAgreementNotFound ? new HostedPageLinkInvalid() : error;
    });
    const subject = { agreementId: state.id, merchantId: state.merchant.id };
    assertHostedPageLink(this.provider.checkAgreementRedirectToken(subject, message.token));
    return state;
  }
}

function toView(state: ExistingAgreement): AgreementCheckoutView {
  return {
    agreementId: state.id,
    status: state.status,
    merchantName: state.merchant.name,
    description: state.description,
    initialAmount: state.initialPaymentCharge?.amount ?? null,
    returnUrl: state.returnUrl,
    expiresAt: state.authenticationExpiresAt,
  };
}
