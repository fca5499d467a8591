import {
  CHARGEBACK_STATUSES,
  REFUND_STATUSES,
  type CaptureList,
  type CaptureResource,
  CHARGE_STATUSES,
  type ChargeList,
  type PaymentChargeResource,
  type VoidList,
  type VoidResource,
} from '@payment-ledger/contracts';
import { integer, type Infer, oneOf } from '../http/body-schema';
import { dateTime, describes, flag, idOf, list, nullable, page, resource, text } from '../http/response-schema';

/*
 * The payment charge as the API answers with it (seed 001's response), and its captures and voids: one schema each,
 * checked against the services' types by the compiler (`describes`), and the OpenAPI document's models.
 */

export const money = resource('Amount', {
  value: integer({ minimum: 0, description: 'In the smallest unit of the currency (cents for USD)', example: 1000 }),
  currency: text({ description: 'ISO 4217 currency code', example: 'USD' }),
});

export const consumerSchema = resource('Consumer', {
  name: text({ example: 'John Smith' }),
  country: text({ description: 'ISO 3166-1 alpha-2', example: 'US' }),
});

export const failure = nullable(
  resource(
    'PaymentFailure',
    {
      failureType: oneOf(['INTERNAL_DECLINE', 'PROVIDER_DECLINE', 'PROVIDER_ERROR', 'INTERNAL_ERROR']),
      failureCode: text({ description: "The decline's code (not an API error code)", example: 'declined' }),
      providerFailureCode: nullable(text({ description: "The provider's own code", example: 'Declined' })),
      failureMessage: text({ example: 'Amazon Pay declined the payment' }),
      isRetryable: flag({ description: 'Whether the same payment may succeed if tried again later' }),
    },
    { description: 'Why the payment failed (status FAILED); null otherwise. A decline is not an HTTP error.' },
  ),
);

export const redirectAuthentication = resource('RedirectAuthenticationMethod', {
  type: oneOf(['REDIRECT']),
  details: resource('RedirectDetails', {
    requestUrl: text({
      format: 'uri',
      description: 'Send the consumer here (the Amazon Pay checkout)',
      example: 'https://sandbox.example/amazon-pay/checkout/charge_0193a1b2c3d4e5f60718293a4b5c6d7e?token=eyJ2IjoxfQ',
    }),
    requestMethod: oneOf(['GET']),
  }),
});

const operationFields = {
  amount: integer({ minimum: 0, description: 'In minor units of the charge currency', example: 1000 }),
  createdAt: dateTime(),
  updatedAt: dateTime(),
};
const PROCESSING = 'PROCESSING: asked of the provider, no answer recorded yet.';

const authorization = resource('Authorization', {
  id: idOf('authorization'),
  ...operationFields,
  status: oneOf(['PROCESSING', 'AUTHORIZED', 'PENDING', 'DECLINED'], { description: PROCESSING }),
});
const capture = resource('Capture', {
  id: idOf('capture'),
  ...operationFields,
  status: oneOf(['PROCESSING', 'CAPTURED', 'FAILED'], { description: PROCESSING }),
});
const voidReason = oneOf(['MERCHANT_REQUESTED', 'CAPTURE_WINDOW_EXPIRED'], {
  description: 'CAPTURE_WINDOW_EXPIRED: released automatically when the authorization was about to expire',
});
const voidOperation = resource('Void', {
  id: idOf('void'),
  ...operationFields,
  status: oneOf(['PROCESSING', 'VOIDED', 'FAILED'], { description: PROCESSING }),
  reason: voidReason,
});
const refund = resource('Refund', {
  id: idOf('refund'),
  ...operationFields,
  status: oneOf(REFUND_STATUSES, {
    description: 'REFUND_PENDING until the provider settles it; FAILED: nothing moved, the amount is refundable again',
    example: 'SUCCEEDED',
  }),
});
const chargeback = resource('Chargeback', {
  id: idOf('chargeback'),
  ...operationFields,
  status: oneOf(CHARGEBACK_STATUSES, {
    description: 'OPEN while disputed; WON: the amount came back to the merchant; LOST: it stays with the consumer',
    example: 'OPEN',
  }),
  reason: text({ example: 'product not received' }),
});

export const paymentChargeSchema = resource('PaymentCharge', {
  id: idOf('charge'),
  status: oneOf(CHARGE_STATUSES, { example: 'AUTHENTICATION_PENDING' }),
  paymentMethod: oneOf(['AMAZON_PAY']),
  amount: money,
  currency: text({ example: 'USD' }),
  country: text({ description: "The consumer's country (ISO 3166-1 alpha-2)", example: 'US' }),
  consumer: consumerSchema,
  captureMethod: oneOf(['AUTOMATIC', 'MANUAL']),
  merchantPaymentChargeReference: nullable(text({ example: 'order-1234' })),
  webhooksUrl: nullable(text({ format: 'uri', example: 'https://merchant.example/webhooks' })),
  agreementId: nullable(idOf('agreement', 'The payment agreement a merchant-initiated charge was made under')),
  instrumentId: nullable(idOf('instrument', "The agreement's saved payment instrument that was charged")),
  authenticationMethods: list(redirectAuthentication, {
    description: 'Where to send the consumer while AUTHENTICATION_PENDING; empty for merchant-initiated charges',
  }),
  authorizations: list(authorization),
  captures: list(capture),
  refunds: list(refund),
  voids: list(voidOperation),
  chargebacks: list(chargeback, { description: 'Disputes the consumer raised at the provider' }),
  history: list(
    resource('PaymentChargeHistoryEntry', {
      id: idOf('history'),
      status: oneOf(CHARGE_STATUSES),
      createdAt: dateTime(),
    }),
    { description: 'Every status the charge had, oldest first' },
  ),
  failure,
  createdAt: dateTime(),
  updatedAt: dateTime(),
});
describes<Infer<typeof paymentChargeSchema>, PaymentChargeResource>(true);

const ofCharge = {
  paymentChargeId: idOf('charge'),
  currency: text({ example: 'USD' }),
};

export const captureSchema = resource('PaymentChargeCapture', {
  id: idOf('capture'),
  ...ofCharge,
  ...operationFields,
  status: oneOf(['PROCESSING', 'CAPTURED', 'FAILED'], { description: PROCESSING }),
});
describes<Infer<typeof captureSchema>, CaptureResource>(true);

export const voidSchema = resource('PaymentChargeVoid', {
  id: idOf('void'),
  ...ofCharge,
  ...operationFields,
  status: oneOf(['PROCESSING', 'VOIDED', 'FAILED'], { description: PROCESSING }),
  reason: voidReason,
});
describes<Infer<typeof voidSchema>, VoidResource>(true);

export const paymentChargeListSchema = page('PaymentChargeList', paymentChargeSchema, 'payment charges');
describes<Infer<typeof paymentChargeListSchema>, ChargeList>(true);
export const captureListSchema = page('PaymentChargeCaptureList', captureSchema, 'captures');
describes<Infer<typeof captureListSchema>, CaptureList>(true);
export const voidListSchema = page('PaymentChargeVoidList', voidSchema, 'voids');
describes<Infer<typeof voidListSchema>, VoidList>(true);
