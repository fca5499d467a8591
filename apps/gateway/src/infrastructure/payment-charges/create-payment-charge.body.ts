import { SIMULATION_CODES } from '@payment-ledger/contracts';
import { array, type Infer, integer, object, oneOf, optional, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { SINGLE_LINE_TEXT, VISIBLE_SINGLE_LINE_TEXT } from '../http/text-rules';

/*
 * The create-charge body and the parts other bodies share (amounts, consumers, redirect settings, sandbox options):
 * one definition each, which checks requests and is the OpenAPI document's model. Model names are the document's
 * since its first version, so clients generated from it keep their types.
 * The rules of the payment method (currencies, amount limits, https return URLs) are the charges service's.
 */

export const amount = object('AmountDto', {
  value: integer({
    minimum: 1,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Amount in the smallest unit of the currency (cents for USD)',
    example: 1000,
  }),
  currency: string({
    pattern: '^[A-Z]{3}$',
    maxLength: 3,
    'x-failure-message': 'must be an ISO 4217 code such as USD',
    description: 'ISO 4217 currency code',
    example: 'USD',
  }),
});

export const consumer = object('ConsumerDto', {
  name: string({
    minLength: 1,
    maxLength: 200,
    pattern: VISIBLE_SINGLE_LINE_TEXT,
    'x-failure-message': 'must not be blank',
    description: 'Full name of the consumer',
    example: 'John Smith',
  }),
  country: string({
    format: 'iso-3166-alpha-2',
    maxLength: 2,
    description: 'ISO 3166-1 alpha-2 country where the consumer is shopping',
    example: 'US',
  }),
});

const redirectSettings = object('RedirectSettingsDto', {
  returnUrl: string({
    format: 'http-url',
    pattern: SINGLE_LINE_TEXT,
    maxLength: 2048,
    'x-failure-code': 'invalid_return_url',
    'x-failure-message': 'must be an absolute URL',
    description: 'Where the consumer returns after the payment',
    example: 'https://www.your-return-page.com/',
  }),
});

export const authenticationSettings = array(
  object('AuthenticationSettingDto', {
    type: oneOf(['REDIRECT'], {
      'x-failure-code': 'authentication_method_not_supported',
      'x-failure-message': 'must be REDIRECT: only REDIRECT authentication is supported',
      example: 'REDIRECT',
    }),
    settings: redirectSettings,
  }),
  {
    minItems: 1,
    maxItems: 5,
    example: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
  },
);

export const paymentMethod = oneOf(['AMAZON_PAY'], {
  'x-failure-code': 'payment_method_not_supported',
  'x-failure-message': 'must be AMAZON_PAY',
  example: 'AMAZON_PAY',
});

/** Your own reference for a charge or an agreement: an id in your system, so one line of text. */
export const merchantReference = (example: string) =>
  optional(string({ minLength: 1, maxLength: 255, pattern: SINGLE_LINE_TEXT, example }));

export const webhooksUrl = optional(
  string({
    format: 'http-url',
    pattern: SINGLE_LINE_TEXT,
    maxLength: 2048,
    description: 'Where webhooks about this object are sent',
    example: 'https://merchant.example/webhooks',
  }),
);

export const sandbox = optional(
  object(
    'SandboxOptionsDto',
    {
      simulationCode: oneOf(SIMULATION_CODES, {
        'x-failure-code': 'invalid_simulation_code',
        description: 'Force an Amazon Pay sandbox outcome (sandbox merchants only)',
        example: 'Declined',
      }),
    },
    { description: 'Sandbox only: force a simulated outcome' },
  ),
);

export const createPaymentChargeBody = new RequestBody(
  object('CreatePaymentChargeDto', {
    paymentMethod,
    amount,
    consumer,
    authenticationSettings,
    merchantPaymentChargeReference: merchantReference('order-1234'),
    captureMethod: optional(oneOf(['AUTOMATIC', 'MANUAL'], { default: 'AUTOMATIC' })),
    webhooksUrl,
    sandbox,
  }),
);
export type CreatePaymentChargeBody = Infer<typeof createPaymentChargeBody.schema>;
