import {
  CHARGEBACK_STATUSES,
  type ChargebackResource,
  REFUND_STATUSES,
  type RefundList,
  type RefundResource,
} from '@payment-ledger/contracts';
import { integer, type Infer, oneOf } from '../http/body-schema';
import { dateTime, describes, idOf, nullable, page, resource, text } from '../http/response-schema';
import { failure } from '../payment-charges/payment-charge.schemas';

/*
 * A refund and a chargeback as the API answers with them (`/v1/payment-charges/{id}/refunds`, `/v1/refunds`, the
 * sandbox's chargebacks): one schema each, checked against the refunds service's types by the compiler (`describes`).
 */

const ofCharge = {
  paymentChargeId: idOf('charge'),
  amount: integer({ minimum: 0, description: 'In minor units of the charge currency', example: 250 }),
  currency: text({ example: 'USD' }),
};

export const refundSchema = resource('PaymentChargeRefund', {
  id: idOf('refund'),
  ...ofCharge,
  status: oneOf(REFUND_STATUSES, {
    description:
      'REFUND_PENDING until the provider settles it; SUCCEEDED: the money went back to the consumer; FAILED: ' +
      'nothing moved and its amount is refundable again (see `failure`)',
    example: 'REFUND_PENDING',
  }),
  reason: nullable(text({ example: 'item returned' })),
  merchantRefundReference: nullable(text({ example: 'return-5678' })),
  failure,
  createdAt: dateTime(),
  updatedAt: dateTime(),
});
describes<Infer<typeof refundSchema>, RefundResource>(true);

export const refundListSchema = page('PaymentChargeRefundList', refundSchema, 'refunds');
describes<Infer<typeof refundListSchema>, RefundList>(true);

export const chargebackSchema = resource('PaymentChargeChargeback', {
  id: idOf('chargeback'),
  ...ofCharge,
  status: oneOf(CHARGEBACK_STATUSES, {
    description:
      'OPEN while disputed (its amount is not refundable); WON: the amount came back to you; LOST: it stays with ' +
      'the consumer',
    example: 'OPEN',
  }),
  reason: text({ example: 'product not received' }),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});
describes<Infer<typeof chargebackSchema>, ChargebackResource>(true);
