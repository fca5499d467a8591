import { SIMULATION_CODES } from '@payment-ledger/contracts';
import { ApiError } from '../http/api-error';
import { createPaymentChargeBody } from './create-payment-charge.body';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const SEED_001 = {
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
};
const body = (overrides: Record<string, unknown> = {}) => ({ ...structuredClone(SEED_001), ...overrides });
const withReturnUrl = (returnUrl: unknown) =>
  body({ authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }] });

/** What the API answers about a body: accepted, or the error body without its timestamp. */
type Answer = { accepted: true } | Omit<ReturnType<ApiError['toBody']>, 'timestamp'>;

function check(value: unknown): Answer {
  try {
    createPaymentChargeBody.validate(value);
    return { accepted: true };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const { timestamp: _timestamp, ...rest } = error.toBody(NOW);
    return rest;
  }
}

describe('createPaymentChargeBody', () => {
  it('accepts seed 001 and every optional field, and null for an optional field', () => {
    expect(check(body())).toEqual({ accepted: true });
    expect(
      check(
        body({
          merchantPaymentChargeReference: 'order-1234',
          captureMethod: 'MANUAL',
          webhooksUrl: 'https://merchant.example/webhooks',
          sandbox: { simulationCode: 'Declined' },
        }),
      ),
    ).toEqual({ accepted: true });
    expect(check(body({ merchantPaymentChargeReference: null, captureMethod: null, sandbox: null }))).toEqual({
      accepted: true,
    });
    expect(check(body({ consumer: { name: '😀'.repeat(200), country: 'US' } }))).toEqual({ accepted: true });
  });

  it('leaves the rules of the payment method (currency, amount limits, https) to the charges service', () => {
    expect(check(body({ amount: { value: 1000, currency: 'EUR' } }))).toEqual({ accepted: true });
    expect(check(body({ amount: { value: 49, currency: 'USD' } }))).toEqual({ accepted: true });
    expect(check(body({ amount: { value: 2_000_001, currency: 'USD' } }))).toEqual({ accepted: true });
    expect(check(withReturnUrl('http://shop.example/return'))).toEqual({ accepted: true });
    expect(check(withReturnUrl('http://localhost:8080/r'))).toEqual({ accepted: true });
  });

  it.each([
    ['no amount', body({ amount: undefined }), 'missing_field', 'amount', 'amount is required'],
    ['a null amount', body({ amount: null }), 'invalid_field', 'amount', 'amount must not be null'],
    [
      'a negative amount',
      body({ amount: { value: -100, currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      'amount.value must be at least 1',
    ],
    [
      'a fractional amount',
      body({ amount: { value: 10.5, currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      'amount.value must be an integer',
    ],
    [
      'an amount as a string: a type error, not "must not be greater than 9007199254740991"',
      body({ amount: { value: '1000', currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      'amount.value must be an integer',
    ],
    [
      'an amount beyond the safe integers',
      body({ amount: { value: Number.MAX_SAFE_INTEGER + 2, currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      `amount.value must be at most ${Number.MAX_SAFE_INTEGER}`,
    ],
    [
      'a lower-case currency',
      body({ amount: { value: 1000, currency: 'usd' } }),
      'invalid_field',
      'amount.currency',
      'amount.currency must be an ISO 4217 code such as USD',
    ],
    [
      'another payment method',
      body({ paymentMethod: 'CARD' }),
      'payment_method_not_supported',
      'paymentMethod',
      'paymentMethod must be AMAZON_PAY',
    ],
    [
      'a payment method in an array',
      body({ paymentMethod: ['AMAZON_PAY'] }),
      'payment_method_not_supported',
      'paymentMethod',
      'paymentMethod must be a string',
    ],
    [
      'no payment method',
      body({ paymentMethod: undefined }),
      'missing_field',
      'paymentMethod',
      'paymentMethod is required',
    ],
    [
      'an empty consumer name',
      body({ consumer: { name: '', country: 'US' } }),
      'invalid_field',
      'consumer.name',
      'consumer.name must not be blank',
    ],
    [
      'a consumer name of white space only',
      body({ consumer: { name: ' \u00a0 ', country: 'US' } }),
      'invalid_field',
      'consumer.name',
      'consumer.name must not be blank',
    ],
    [
      'a consumer name with a tab',
      body({ consumer: { name: 'John\tSmith', country: 'US' } }),
      'invalid_characters',
      'consumer.name',
      'consumer.name must not contain control characters',
    ],
    [
      'a 201-character consumer name',
      body({ consumer: { name: 'x'.repeat(201), country: 'US' } }),
      'invalid_field',
      'consumer.name',
      'consumer.name must be at most 200 characters long',
    ],
    [
      'a three-letter country',
      body({ consumer: { name: 'J', country: 'USA' } }),
      'invalid_field',
      'consumer.country',
      'consumer.country must be an ISO 3166-1 alpha-2 country code such as US',
    ],
    [
      'no returnUrl',
      body({ authenticationSettings: [{ type: 'REDIRECT', settings: {} }] }),
      'missing_field',
      'authenticationSettings[0].settings.returnUrl',
      'authenticationSettings[0].settings.returnUrl is required',
    ],
    [
      'a returnUrl that is no URL',
      withReturnUrl('not a url'),
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
      'authenticationSettings[0].settings.returnUrl must be an absolute URL',
    ],
    [
      'a returnUrl that is a number',
      withReturnUrl(42),
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
      'authenticationSettings[0].settings.returnUrl must be a string',
    ],
    [
      'a returnUrl with a line feed',
      withReturnUrl('https://x.example/\nSet-Cookie: a=b'),
      'invalid_characters',
      'authenticationSettings[0].settings.returnUrl',
      'authenticationSettings[0].settings.returnUrl must not contain control characters',
    ],
    [
      'another authentication type',
      body({ authenticationSettings: [{ type: 'OTP', settings: { returnUrl: 'https://x.example/' } }] }),
      'authentication_method_not_supported',
      'authenticationSettings[0].type',
      'authenticationSettings[0].type must be REDIRECT: only REDIRECT authentication is supported',
    ],
    [
      'no authentication settings',
      body({ authenticationSettings: [] }),
      'invalid_field',
      'authenticationSettings',
      'authenticationSettings must have at least 1 item',
    ],
    [
      'an unknown capture method',
      body({ captureMethod: 'LATER' }),
      'invalid_field',
      'captureMethod',
      'captureMethod must be one of: AUTOMATIC, MANUAL',
    ],
    [
      'a webhooks URL that is no URL',
      body({ webhooksUrl: 'nope' }),
      'invalid_field',
      'webhooksUrl',
      'webhooksUrl must be an absolute http or https URL',
    ],
    [
      'an ftp webhooks URL',
      body({ webhooksUrl: 'ftp://merchant.example/' }),
      'invalid_field',
      'webhooksUrl',
      'webhooksUrl must be an absolute http or https URL',
    ],
    [
      'an empty reference',
      body({ merchantPaymentChargeReference: '' }),
      'invalid_field',
      'merchantPaymentChargeReference',
      'merchantPaymentChargeReference must not be empty',
    ],
    [
      'a reference with a control character',
      body({ merchantPaymentChargeReference: 'order\u00011' }),
      'invalid_characters',
      'merchantPaymentChargeReference',
      'merchantPaymentChargeReference must not contain control characters',
    ],
    [
      'an unknown simulation code',
      body({ sandbox: { simulationCode: 'Nope' } }),
      'invalid_simulation_code',
      'sandbox.simulationCode',
      `sandbox.simulationCode must be one of: ${SIMULATION_CODES.join(', ')}`,
    ],
    [
      'a sandbox without a simulation code',
      body({ sandbox: {} }),
      'missing_field',
      'sandbox.simulationCode',
      'sandbox.simulationCode is required',
    ],
  ])('refuses %s', (_case, value, failureCode, field, failureMessage) => {
    expect(check(value)).toEqual({
      status: 400,
      failureCode,
      failureMessage,
      field,
      errors: [{ field, failureCode, failureMessage }],
    });
  });

  it('refuses unknown fields at every level', () => {
    expect(check(body({ surprise: true, paymentMethod: 'CARD' }))).toMatchObject({
      failureCode: 'unknown_field',
      field: 'surprise',
      failureMessage: 'surprise is not a field of this request',
      errors: [
        { field: 'surprise', failureCode: 'unknown_field' },
        { field: 'paymentMethod', failureCode: 'payment_method_not_supported' },
      ],
    });
    const nested = check(
      body({
        amount: { value: 1000, currency: 'USD', cents: 1 },
        consumer: { name: 'J', country: 'US', email: 'j@x' },
        authenticationSettings: [
          { type: 'REDIRECT', settings: { returnUrl: 'https://x.example/', method: 'GET' }, note: 'n' },
        ],
        sandbox: { simulationCode: 'Declined', delay: 1 },
      }),
    );
    expect(nested).toMatchObject({
      errors: [
        { field: 'amount.cents', failureCode: 'unknown_field' },
        { field: 'consumer.email', failureCode: 'unknown_field' },
        { field: 'authenticationSettings[0].note', failureCode: 'unknown_field' },
        { field: 'authenticationSettings[0].settings.method', failureCode: 'unknown_field' },
        { field: 'sandbox.delay', failureCode: 'unknown_field' },
      ],
    });
  });

  it('names numeric keys as indexes under their parent, and refuses keys of Object.prototype’s names', () => {
    expect(check(body({ consumer: { name: 'J', country: 'US', 7: 'x' } }))).toMatchObject({
      field: 'consumer[7]',
      failureCode: 'unknown_field',
    });
    const parsed = JSON.parse(JSON.stringify(body({ toString: 1, constructor: 2 })));
    expect(check(parsed)).toMatchObject({
      errors: [
        { field: 'toString', failureCode: 'unknown_field' },
        { field: 'constructor', failureCode: 'unknown_field' },
      ],
    });
  });

  it('reports one problem per field: missing ones first, then each field in order, nested ones after their parent’s', () => {
    expect(check(undefined)).toMatchObject({
      failureCode: 'missing_field',
      field: 'paymentMethod',
      errors: ['paymentMethod', 'amount', 'consumer', 'authenticationSettings'].map((field) => ({
        field,
        failureCode: 'missing_field',
        failureMessage: `${field} is required`,
      })),
    });
    const tooMany = Array.from({ length: 6 }, () => ({ type: 'REDIRECT', settings: { returnUrl: 'https://x.e/' } }));
    expect(check(body({ authenticationSettings: tooMany }))).toMatchObject({
      failureCode: 'invalid_field',
      failureMessage: 'authenticationSettings must have at most 5 items',
    });
    tooMany[5] = { type: 'REDIRECT', settings: {} } as (typeof tooMany)[number];
    expect(check(body({ authenticationSettings: tooMany }))).toMatchObject({
      errors: [
        { field: 'authenticationSettings', failureCode: 'invalid_field' },
        { field: 'authenticationSettings[5].settings.returnUrl', failureCode: 'missing_field' },
      ],
    });
    // Two problems of one field: the wrong form is said, not the length.
    expect(check(body({ amount: { value: 1000, currency: 'usdd' } }))).toMatchObject({
      errors: [{ field: 'amount.currency', failureMessage: 'amount.currency must be an ISO 4217 code such as USD' }],
    });
  });

  it('refuses a value of the wrong type with a type error, and does not look inside it', () => {
    expect(check(body({ amount: 1000 }))).toMatchObject({
      failureCode: 'invalid_field',
      field: 'amount',
      failureMessage: 'amount must be an object',
    });
    for (const field of ['amount', 'consumer', 'sandbox']) {
      expect(check(body({ [field]: [{ value: 1000, currency: 'usd' }] }))).toEqual({
        status: 400,
        failureCode: 'invalid_field',
        field,
        failureMessage: `${field} must be an object`,
        errors: [{ field, failureCode: 'invalid_field', failureMessage: `${field} must be an object` }],
      });
    }
    expect(check(body({ consumer: 'John' }))).toMatchObject({ field: 'consumer', failureCode: 'invalid_field' });
    expect(check(body({ authenticationSettings: [{ type: 'REDIRECT', settings: [] }] }))).toMatchObject({
      field: 'authenticationSettings[0].settings',
      failureCode: 'invalid_field',
      failureMessage: 'authenticationSettings[0].settings must be an object',
    });
    expect(check(body({ authenticationSettings: ['REDIRECT', null] }))).toMatchObject({
      errors: [
        { field: 'authenticationSettings[0]', failureMessage: 'authenticationSettings[0] must be an object' },
        { field: 'authenticationSettings[1]', failureMessage: 'authenticationSettings[1] must not be null' },
      ],
    });
    expect(check(body({ authenticationSettings: { type: 'REDIRECT' } }))).toMatchObject({
      errors: [{ field: 'authenticationSettings', failureMessage: 'authenticationSettings must be an array' }],
    });
  });
});
