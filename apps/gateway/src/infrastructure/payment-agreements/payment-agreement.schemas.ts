import {
  AGREEMENT_STATUSES,
  AMOUNT_TYPES,
  type AgreementList,
  FREQUENCY_TYPES,
  type PaymentAgreementResource,
} from '@payment-ledger/contracts';
import { integer, type Infer, oneOf } from '../http/body-schema';
import { dateTime, describes, idOf, list, nullable, page, resource, text } from '../http/response-schema';
import { consumerSchema, failure, money, redirectAuthentication } from '../payment-charges/payment-charge.schemas';

/*
 * The payment agreement as the API answers with it (seed 001 "Recurring Payments"): one schema, checked against the
 * agreements service's type by the compiler, and the OpenAPI document's model.
 */

export const paymentAgreementSchema = resource('PaymentAgreement', {
  id: idOf('agreement'),
  status: oneOf(AGREEMENT_STATUSES, { example: 'AUTHENTICATION_PENDING' }),
  paymentMethod: oneOf(['AMAZON_PAY']),
  startDate: dateTime(),
  endDate: nullable(dateTime()),
  description: nullable(text({ example: 'Monthly subscription' })),
  frequency: nullable(
    resource('Frequency', {
      type: oneOf(FREQUENCY_TYPES),
      interval: integer({ minimum: 1, example: 1 }),
    }),
  ),
  amount: nullable(money),
  amountType: oneOf(AMOUNT_TYPES, {
    description: 'EXACT: every charge is the agreed amount; MAX: at most it; VARIABLE: any amount the method allows',
  }),
  instrumentId: idOf('instrument', 'The saved payment instrument charged under this agreement'),
  consumer: consumerSchema,
  merchantPaymentAgreementReference: nullable(text({ example: 'subscription-42' })),
  webhooksUrl: nullable(text({ format: 'uri', example: 'https://merchant.example/webhooks' })),
  authenticationMethods: list(redirectAuthentication, {
    description: 'Where to send the consumer while AUTHENTICATION_PENDING',
  }),
  history: list(
    resource('PaymentAgreementHistoryEntry', {
      id: idOf('agreementHistory'),
      status: oneOf(AGREEMENT_STATUSES),
      createdAt: dateTime(),
    }),
    { description: 'Every status the agreement had, oldest first' },
  ),
  initialPaymentChargeId: nullable(idOf('charge', 'The charge made at approval, when one was asked for')),
  failure,
  revokedBy: nullable(oneOf(['MERCHANT', 'CONSUMER', 'PROVIDER'])),
  createdAt: dateTime(),
  updatedAt: dateTime(),
});
describes<Infer<typeof paymentAgreementSchema>, PaymentAgreementResource>(true);

export const paymentAgreementListSchema = page('PaymentAgreementList', paymentAgreementSchema, 'payment agreements');
describes<Infer<typeof paymentAgreementListSchema>, AgreementList>(true);

export const testClockSchema = resource('TestClockAdvance', {
  agreementId: idOf('agreement'),
  frozenTime: dateTime("The agreement's test clock time after the advance"),
});
