import { DomainError, NotFound, RequestRejected } from '@payment-ledger/domain-kernel';
import type { AgreementStatus, FailureCode } from '@payment-ledger/contracts';

export class PaymentAgreementNotFound extends NotFound<FailureCode> {
  readonly code = 'payment_agreement_not_found';
  constructor() {
    super('Payment agreement not found');
  }
}

/** The agreement's status does not allow the command (`agreement_revoked` once revoked). */
export class InvalidAgreementStatus extends DomainError<FailureCode> {
  readonly code: FailureCode;
  constructor(
    readonly currentStatus: AgreementStatus | 'NEW',
    action: string,
  ) {
    super(`cannot ${action} a payment agreement in status ${currentStatus}`);
    this.code =
      currentStatus === 'REVOKED'
        ? 'agreement_revoked'
        : currentStatus === 'PAST_DUE'
          ? 'agreement_past_due'
          : 'invalid_agreement_status';
  }
}

export class AgreementRequestRejected extends RequestRejected<FailureCode> {}
