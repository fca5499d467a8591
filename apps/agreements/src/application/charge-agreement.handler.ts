import { Injectable } from '@nestjs/common';
import type { ChargeAgreementMessage, PaymentChargeResource } from '@payment-ledger/contracts';
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

  async handle(message: ChargeAgreementMessage): Promise<PaymentChargeResource> {
    // The scheduler acts for the agreement's owner; a merchant may charge only its own agreements.
    if (message.merchantId !== null) await this.agreements.loadOwned(message.agreementId, message.merchantId);
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
        merchantId: message.merchantId ?? undefined,
        actor: message.initiator === 'SCHEDULE' ? 'scheduler' : `merchant:${message.merchantId}`,
      },
    );
    const charge = state.charges.find((c) => c.chargeId === message.chargeId);
    if (!charge) throw new Error('the requested charge must be recorded');
    return this.charges.createCharge(state, charge, message.correlationId);
  }
}
