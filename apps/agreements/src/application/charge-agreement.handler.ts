import { Injectable } from '@nestjs/common';
import type {
  ChargeAgreementMessage,
  PaymentChargeResource,
  ScheduledAgreementChargeMessage,
} from '@payment-ledger/contracts';
import { AgreementRepository } from './agreement-repository';
import { ChargesGateway } from './charges.gateway';

/**
 * Charges an active agreement without the consumer. The decision is recorded on the agreement first
 * (`AgreementChargeRequested`, idempotent by charge id), then the charges service makes the charge (idempotent by
 * the same id); if that call is lost, the dispatcher makes it from the event.
 */
@Injectable()
export class ChargeAgreementHandler {
  constructor(
    private readonly agreements: AgreementRepository,
    private readonly charges: ChargesGateway,
  ) {}

  /** A merchant charges one of its own agreements. */
  async handle(message: ChargeAgreementMessage): Promise<PaymentChargeResource> {
    await this.agreements.loadOwned(message.agreementId, message.merchantId);
    return this.charge(message, message.merchantId);
  }

  /** The scheduler charges an agreement for a period, for whichever merchant owns it (a system pattern). */
  handleScheduled(message: ScheduledAgreementChargeMessage): Promise<PaymentChargeResource> {
    return this.charge({ ...message, initiator: 'SCHEDULE' }, undefined);
  }

  private async charge(
    message: Omit<ChargeAgreementMessage, 'merchantId'>,
    merchantId: string | undefined,
  ): Promise<PaymentChargeResource> {
    const { state } = await this.agreements.execute(
      message.agreementId,
      {
        type: 'RequestAgreementCharge',
        chargeId: message.chargeId,
        amount: message.amount,
        initiator: message.initiator,
        simulationCode: message.simulationCode,
        merchantPaymentChargeReference: message.merchantPaymentChargeReference,
      },
      {
        correlationId: message.correlationId,
        idempotencyKey: message.idempotencyKey,
        merchantId,
        actor: message.initiator === 'SCHEDULE' ? 'scheduler' : `merchant:${merchantId}`,
      },
    );
    const charge = state.charges.find((c) => c.chargeId === message.chargeId);
    if (!charge) throw new Error('the requested charge must be recorded');
    return this.charges.createCharge(state, charge, message.correlationId);
  }
}
