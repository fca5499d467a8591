import { type FailureCode, hasPrefix, type IdKind } from '@payment-ledger/contracts';
import { ApiError } from './api-error';

/**
 * An id from a request's path. Anything that is not a well-formed id of its kind cannot name one of the merchant's
 * objects, so it is answered as an unknown id is (404 with the kind's code), without asking a service.
 */
export function pathId(id: string, kind: IdKind, notFound: { code: FailureCode; message: string }): string {
  if (!hasPrefix(id, kind)) throw new ApiError(404, notFound.code, notFound.message);
  return id;
}

export const chargeIdOf = (id: string): string =>
  pathId(id, 'charge', { code: 'payment_charge_not_found', message: 'Payment charge not found' });

export const agreementIdOf = (id: string): string =>
  pathId(id, 'agreement', { code: 'payment_agreement_not_found', message: 'Payment agreement not found' });

export const refundIdOf = (id: string): string =>
  pathId(id, 'refund', { code: 'refund_not_found', message: 'Refund not found' });

export const chargebackIdOf = (id: string): string =>
  pathId(id, 'chargeback', { code: 'chargeback_not_found', message: 'Chargeback not found' });
