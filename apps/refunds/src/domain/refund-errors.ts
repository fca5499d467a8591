import { DomainError, NotFound, RequestRejected } from '@payment-ledger/domain-kernel';
import type { FailureCode } from '@payment-ledger/contracts';

export class RefundNotFound extends NotFound<FailureCode> {
  readonly code = 'refund_not_found';
  constructor() {
    super('Refund not found');
  }
}

export class ChargebackNotFound extends NotFound<FailureCode> {
  readonly code = 'chargeback_not_found';
  constructor() {
    super('Chargeback not found');
  }
}

export class ChargeNotCaptured extends DomainError<FailureCode> {
  readonly code = 'charge_not_captured';
  constructor() {
    super('the payment charge has nothing captured to refund');
  }
}

/** More than is left: captured, less refunds pending or succeeded and chargebacks open or lost. */
export class AmountExceedsRefundable extends DomainError<FailureCode> {
  readonly code = 'amount_exceeds_refundable';
  constructor(
    requested: number,
    readonly refundableAmount: number,
  ) {
    super(
      refundableAmount === 0
        ? 'nothing is left to refund on this payment charge'
        : `amount ${requested} exceeds the ${refundableAmount} still refundable on this payment charge`,
    );
  }
}

export class RefundWindowExpired extends DomainError<FailureCode> {
  readonly code = 'refund_window_expired';
  constructor(endedAt: Date) {
    super(`the payment method's refund window ended at ${endedAt.toISOString()}`);
  }
}

/** The method takes no refund of this kind (a partial one, or another one), per its capability table. */
export class RefundNotSupported extends DomainError<FailureCode> {
  readonly code = 'refund_not_supported';
}

export class ChargebackAlreadyResolved extends DomainError<FailureCode> {
  readonly code = 'chargeback_already_resolved';
  constructor(readonly currentStatus: string) {
    super(`the chargeback was already resolved as ${currentStatus}`);
  }
}

/** A simulated provider event (a chargeback) for a live merchant. */
export class SandboxOnly extends DomainError<FailureCode> {
  readonly code = 'sandbox_only';
  override readonly kind = 'invalid' as const;
}

/** A rule of the request refused the command. */
export class RefundRequestRejected extends RequestRejected<FailureCode> {}

export class PaymentChargeNotFound extends NotFound<FailureCode> {
  readonly code = 'payment_charge_not_found';
  constructor() {
    super('Payment charge not found');
  }
}
