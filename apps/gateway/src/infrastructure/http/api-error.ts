import { HttpException } from '@nestjs/common';
import type { FailureCode } from '@payment-ledger/contracts';

export interface ApiErrorBody {
  status: number;
  failureCode: FailureCode;
  failureMessage: string;
  timestamp: string;
  field?: string;
  currentStatus?: string;
  /** With `amount_exceeds_refundable`: what is still refundable, in minor units. */
  refundableAmount?: number;
  errors?: { field: string; failureCode: FailureCode; failureMessage: string }[];
}

/** An HTTP error in the API's shape (DESIGN.md): a status, a stable `failureCode`, a message, maybe a field. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly failureCode: FailureCode,
    failureMessage: string,
    readonly details: Pick<ApiErrorBody, 'field' | 'currentStatus' | 'refundableAmount' | 'errors'> = {},
    /** Sent as `Retry-After` (a 503 of an overloaded service, a 429). */
    readonly retryAfterSeconds?: number,
    /** More headers the answer carries (a 429's `RateLimit-*`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(failureMessage, status);
  }

  toBody(now: Date): ApiErrorBody {
    return {
      status: this.getStatus(),
      failureCode: this.failureCode,
      failureMessage: this.message,
      timestamp: now.toISOString(),
      ...this.details,
    };
  }
}
