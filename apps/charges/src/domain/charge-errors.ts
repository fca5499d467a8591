import { DomainError, NotFound, RequestRejected } from '@payment-ledger/domain-kernel';
import type { ChargeStatus, FailureCode } from '@payment-ledger/contracts';

/** The charge is not in a status that allows the command. */
export class InvalidChargeStatus extends DomainError<FailureCode> {
  readonly code = 'invalid_charge_status';
  constructor(
    readonly currentStatus: ChargeStatus | 'NEW',
    action: string,
  ) {
    super(`cannot ${action} a payment charge in status ${currentStatus}`);
  }
}

export class PaymentChargeNotFound extends NotFound<FailureCode> {
  readonly code = 'payment_charge_not_found';
  constructor() {
    super('Payment charge not found');
  }
}

export class AmountExceedsAuthorized extends DomainError<FailureCode> {
  readonly code = 'amount_exceeds_authorized';
  constructor(requested: number, available: number) {
    super(`amount ${requested} exceeds the ${available} still authorized and not captured or voided`);
  }
}

/** Everything authorized is already captured, being captured, or released: a capture has nothing to take. */
export class NothingToCapture extends DomainError<FailureCode> {
  readonly code = 'nothing_to_capture';
  constructor(readonly currentStatus: ChargeStatus) {
    super(`nothing is left to capture on this payment charge (status ${currentStatus})`);
  }
}

export class AuthorizationExpired extends DomainError<FailureCode> {
  readonly code = 'authorization_expired';
  constructor(expiredAt: string) {
    super(`the authorization expired at ${expiredAt}; uncaptured funds were released`);
  }
}

/** A rule of the payment method's capability table, or of the request, refused the command. */
export class ChargeRequestRejected extends RequestRejected<FailureCode> {}

/** A capture or void id that this charge does not have. */
export class OperationNotFound extends NotFound<FailureCode> {
  constructor(
    readonly code: 'capture_not_found' | 'void_not_found',
    message: string,
  ) {
    super(message);
  }
}
