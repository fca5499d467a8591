import { FAILURE_CODES, isFailureCode, type RemoteError } from '@payment-ledger/contracts';
import { ApiError } from './api-error';

/**
 * The one place a service's refusal becomes an HTTP answer. Services answer with a kind and a stable code (domain
 * errors carry no transport status, see @payment-ledger/domain-kernel); the status is the code's in the failure-code
 * catalogue (libs/contracts failure-codes.ts), the same table the OpenAPI document and docs/errors.md are made from.
 * Codes are typed against the catalogue where they are thrown, so an uncatalogued one is a bug: it becomes a plain
 * Error, which the HTTP error filter logs and answers as a 500 `internal_error` (never passed on with a status and
 * code nobody documented).
 */
export function apiErrorOf(error: RemoteError & { retryAfterSeconds?: number }): ApiError | Error {
  const code = error.failureCode;
  if (!isFailureCode(code)) return new Error(`A service answered with an uncatalogued failure code: ${code}`);
  if (code === 'service_overloaded') {
    return new ApiError(503, code, 'The payment service is busy; retry shortly', {}, error.retryAfterSeconds ?? 1);
  }
  if (code === 'service_unavailable') {
    return new ApiError(503, code, 'The payment service is unavailable; retry shortly', {}, 1);
  }
  return new ApiError(FAILURE_CODES[code].status, code, error.failureMessage, {
    ...(error.field ? { field: error.field } : {}),
    ...(error.currentStatus ? { currentStatus: error.currentStatus } : {}),
    ...(typeof error.refundableAmount === 'number' ? { refundableAmount: error.refundableAmount } : {}),
  });
}
