import { Injectable } from '@nestjs/common';
import type {
  GetAgreementMessage,
  MarkAgreementPastDueMessage,
  PaymentAgreementResource,
  RevokeAgreementMessage,
} from '@payment-ledger/contracts';
import { toPaymentAgreementResource } from '@payment-ledger/contracts';
import { AgreementRepository } from './agreement-repository';

/** Reading an agreement (folded from its stream: always current), revoking it, marking it past due. */
@Injectable()
export class ManageAgreementHandler {
  constructor(private readonly agreements: AgreementRepository) {}

  async get(message: GetAgreementMessage): Promise<PaymentAgreementResource> {
    return toPaymentAgreementResource(await this.agreements.loadOwned(message.agreementId, message.merchantId));
  }

  async revoke(message: RevokeAgreementMessage): Promise<PaymentAgreementResource> {
    await this.agreements.loadOwned(message.agreementId, message.merchantId);
    const { state } = await this.agreements.execute(
      message.agreementId,
      { type: 'RevokeAgreement', revokedBy: message.revokedBy },
      { correlationId: message.correlationId, merchantId: message.merchantId, actor: `merchant:${message.merchantId}` },
    );
    return toPaymentAgreementResource(state);
  }

  async markPastDue(message: MarkAgreementPastDueMessage): Promise<PaymentAgreementResource> {
    const { state } = await this.agreements.execute(
      message.agreementId,
      { type: 'MarkAgreementPastDue', chargeId: message.chargeId, failure: message.failure },
      { correlationId: message.correlationId, actor: 'scheduler' },
    );
    return toPaymentAgreementResource(state);
  }
}
