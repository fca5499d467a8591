import 'reflect-metadata';
import fc from 'fast-check';
import { SIMULATION_CODES } from '@payment-ledger/contracts';
import { ApiError } from '../http/api-error';
import { apiValidationPipe } from '../http/validation';
import { CreatePaymentChargeDto } from './create-payment-charge.dto';
import { createPaymentChargeValidator } from './create-payment-charge.validator';

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

function refusal(error: unknown): Answer {
  if (!(error instanceof ApiError)) throw error;
  const { timestamp: _timestamp, ...rest } = error.toBody(NOW);
  return rest;
}

function check(value: unknown): Answer {
  try {
    createPaymentChargeValidator.validate(value);
    return { accepted: true };
  } catch (error) {
    return refusal(error);
  }
}

const validationPipe = apiValidationPipe();
async function checkWithValidationPipe(value: unknown): Promise<Answer> {
  try {
    await validationPipe.transform(value, { type: 'body', metatype: CreatePaymentChargeDto, data: undefined });
    return { accepted: true };
  } catch (error) {
    return refusal(error);
  }
}

/** A JSON body as the body parser makes it (`__proto__` becomes an own key). */
const parsed = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('createPaymentChargeValidator', () => {
  it('accepts seed 001 and every optional field', () => {
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
  });

  it('leaves the rules of the payment method (currency, amount limits, https) to the charges service', () => {
    expect(check(body({ amount: { value: 1000, currency: 'EUR' } }))).toEqual({ accepted: true });
    expect(check(body({ amount: { value: 49, currency: 'USD' } }))).toEqual({ accepted: true });
    expect(check(body({ amount: { value: 2_000_001, currency: 'USD' } }))).toEqual({ accepted: true });
    expect(check(withReturnUrl('http://shop.example/return'))).toEqual({ accepted: true });
  });

  it.each([
    ['no amount', body({ amount: undefined }), 'missing_field', 'amount', 'amount should not be null or undefined'],
    ['a null amount', body({ amount: null }), 'invalid_field', 'amount', 'amount should not be null or undefined'],
    [
      'a negative amount',
      body({ amount: { value: -100, currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      'amount.value must be positive',
    ],
    [
      'a fractional amount',
      body({ amount: { value: 10.5, currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      'amount.value must be an integer number of minor units',
    ],
    [
      'an amount as a string (the first failing rule, as class-validator orders them)',
      body({ amount: { value: '1000', currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      'value must not be greater than 9007199254740991',
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
      'no payment method',
      body({ paymentMethod: undefined }),
      'missing_field',
      'paymentMethod',
      'paymentMethod should not be null or undefined',
    ],
    [
      'an empty consumer name',
      body({ consumer: { name: '', country: 'US' } }),
      'invalid_field',
      'consumer.name',
      'name should not be empty',
    ],
    [
      'a 201-character consumer name',
      body({ consumer: { name: 'x'.repeat(201), country: 'US' } }),
      'invalid_field',
      'consumer.name',
      'name must be shorter than or equal to 200 characters',
    ],
    [
      'a three-letter country',
      body({ consumer: { name: 'J', country: 'USA' } }),
      'invalid_field',
      'consumer.country',
      'consumer.country must be an ISO 3166-1 alpha-2 code such as US',
    ],
    [
      'no returnUrl',
      body({ authenticationSettings: [{ type: 'REDIRECT', settings: {} }] }),
      'missing_field',
      'authenticationSettings[0].settings.returnUrl',
      'returnUrl should not be null or undefined',
    ],
    [
      'a returnUrl that is no URL',
      withReturnUrl('not a url'),
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
      'returnUrl must be an absolute URL',
    ],
    [
      'a returnUrl that is a number',
      withReturnUrl(42),
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
      'returnUrl must be an absolute URL',
    ],
    [
      'another authentication type',
      body({ authenticationSettings: [{ type: 'OTP', settings: { returnUrl: 'https://x.example/' } }] }),
      'authentication_method_not_supported',
      'authenticationSettings[0].type',
      'only REDIRECT authentication is supported',
    ],
    [
      'no authentication settings',
      body({ authenticationSettings: [] }),
      'invalid_field',
      'authenticationSettings',
      'authenticationSettings must contain at least 1 elements',
    ],
    [
      'an unknown capture method',
      body({ captureMethod: 'LATER' }),
      'invalid_field',
      'captureMethod',
      'captureMethod must be one of the following values: AUTOMATIC, MANUAL',
    ],
    [
      'a webhooks URL that is no URL',
      body({ webhooksUrl: 'nope' }),
      'invalid_field',
      'webhooksUrl',
      'webhooksUrl must be a URL address',
    ],
    [
      'an empty reference',
      body({ merchantPaymentChargeReference: '' }),
      'invalid_field',
      'merchantPaymentChargeReference',
      'merchantPaymentChargeReference should not be empty',
    ],
    [
      'an unknown simulation code',
      body({ sandbox: { simulationCode: 'Nope' } }),
      'invalid_simulation_code',
      'sandbox.simulationCode',
      `simulationCode must be one of the following values: ${SIMULATION_CODES.join(', ')}`,
    ],
    [
      'a sandbox without a simulation code',
      body({ sandbox: {} }),
      'missing_field',
      'sandbox.simulationCode',
      'simulationCode should not be null or undefined',
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

  it('refuses unknown fields at every level, before the other problems of their object', () => {
    expect(check(body({ surprise: true, paymentMethod: 'CARD' }))).toMatchObject({
      failureCode: 'unknown_field',
      field: 'surprise',
      failureMessage: 'property surprise should not exist',
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

  it('names numeric unknown keys as indexes under their parent, and ignores keys the ValidationPipe drops', () => {
    expect(check(body({ consumer: { name: 'J', country: 'US', 7: 'x' } }))).toMatchObject({
      field: 'consumer[7]',
      failureMessage: 'property 7 should not exist',
    });
    expect(check(parsed(body({ toString: 1, constructor: 2, prototype: 3 })))).toEqual({ accepted: true });
    expect(check(JSON.parse('{"__proto__": {"polluted": true}, "surprise": 1}'))).toMatchObject({
      field: 'surprise',
    });
  });

  it('reports one problem per field, nested problems after their parent’s own', () => {
    expect(check(undefined)).toMatchObject({
      failureCode: 'missing_field',
      field: 'paymentMethod',
      errors: ['paymentMethod', 'amount', 'consumer', 'authenticationSettings'].map((field) => ({
        field,
        failureCode: 'missing_field',
        failureMessage: `${field} should not be null or undefined`,
      })),
    });
    const tooMany = Array.from({ length: 6 }, () => ({ type: 'REDIRECT', settings: { returnUrl: 'https://x.e/' } }));
    expect(check(body({ authenticationSettings: tooMany }))).toMatchObject({
      failureCode: 'invalid_field',
      failureMessage: 'authenticationSettings must contain no more than 5 elements',
    });
    // With nested problems class-validator reports the field itself as missing.
    tooMany[5] = { type: 'REDIRECT', settings: {} } as (typeof tooMany)[number];
    expect(check(body({ authenticationSettings: tooMany }))).toMatchObject({
      errors: [
        { field: 'authenticationSettings', failureCode: 'missing_field' },
        { field: 'authenticationSettings[5].settings.returnUrl', failureCode: 'missing_field' },
      ],
    });
  });

  it('refuses wrong types: primitives for objects, objects for arrays and arrays of primitives', () => {
    expect(check(body({ amount: 1000 }))).toMatchObject({
      failureCode: 'invalid_field',
      field: 'amount',
      failureMessage: 'amount must be an object',
    });
    expect(check(body({ consumer: 'John' }))).toMatchObject({ field: 'consumer', failureCode: 'invalid_field' });
    expect(check(body({ sandbox: 'Declined' }))).toMatchObject({ field: 'sandbox', failureCode: 'invalid_field' });
    expect(check(body({ paymentMethod: ['AMAZON_PAY'] }))).toMatchObject({
      field: 'paymentMethod',
      failureCode: 'payment_method_not_supported',
    });
    expect(check(body({ authenticationSettings: ['REDIRECT', null] }))).toMatchObject({
      errors: [
        {
          field: 'authenticationSettings',
          failureCode: 'invalid_field',
          failureMessage: 'each value in authenticationSettings must be an object',
        },
        ...[0, 1].map((index) => ({
          field: `authenticationSettings[${index}]`,
          failureCode: 'invalid_field',
          failureMessage: 'each value in nested property authenticationSettings must be either object or array',
        })),
      ],
    });
    // An object where an array is expected fails the array rules (class-validator checks the size first) and is
    // also checked as an item would be.
    expect(check(body({ authenticationSettings: { type: 'REDIRECT' } }))).toMatchObject({
      errors: [
        {
          field: 'authenticationSettings',
          failureCode: 'missing_field',
          failureMessage: 'authenticationSettings must contain no more than 5 elements',
        },
        { field: 'authenticationSettings.settings', failureCode: 'missing_field' },
      ],
    });
  });

  it('refuses an array where an object is expected (and, as class-validator does, checks its items too)', () => {
    for (const field of ['amount', 'consumer', 'sandbox']) {
      expect(check(body({ [field]: [] }))).toMatchObject({
        field,
        failureCode: 'invalid_field',
        failureMessage: `${field} must be an object`,
      });
    }
    expect(check(body({ authenticationSettings: [{ type: 'REDIRECT', settings: [] }] }))).toMatchObject({
      field: 'authenticationSettings[0].settings',
      failureCode: 'invalid_field',
      failureMessage: 'settings must be an object',
    });
    expect(check(body({ amount: [{ value: 1000, currency: 'usd' }, 5] }))).toMatchObject({
      failureCode: 'invalid_field',
      field: 'amount',
      errors: [
        { field: 'amount', failureCode: 'invalid_field', failureMessage: 'amount must be an object' },
        { field: 'amount[0].currency', failureCode: 'invalid_field' },
        {
          field: 'amount[1]',
          failureCode: 'invalid_field',
          failureMessage: 'nested property amount must be either object or array',
        },
      ],
    });
    expect(check(body({ authenticationSettings: [[{ type: 'OTP', settings: {} }]] }))).toMatchObject({
      errors: [
        {
          field: 'authenticationSettings',
          failureCode: 'invalid_field',
          failureMessage: 'each value in authenticationSettings must be an object',
        },
        { field: 'authenticationSettings[0][0].type', failureCode: 'authentication_method_not_supported' },
        { field: 'authenticationSettings[0][0].settings.returnUrl', failureCode: 'missing_field' },
      ],
    });
  });

  describe('answers exactly as the ValidationPipe does with CreatePaymentChargeDto', () => {
    const DROPPED_OR_UNKNOWN_KEYS = ['surprise', '7', 'a.b', 'toString', 'valueOf', 'constructor', '__proto__'];
    const junk = fc.constantFrom<unknown>(null, true, 0, -1, 1.5, '', 'x', [], {}, [1], ['x'], { a: 1 });
    const sometimes = <T>(valid: fc.Arbitrary<T>, ...invalid: fc.Arbitrary<unknown>[]) =>
      fc.oneof({ arbitrary: valid, weight: 12 }, ...invalid.map((arbitrary) => ({ arbitrary, weight: 1 })), {
        arbitrary: junk,
        weight: 1,
      });
    /** An object with some of its fields (in any order) and maybe keys of its own, built as JSON.parse would. */
    const objectOf = (fields: Record<string, fc.Arbitrary<unknown>>) =>
      fc
        .tuple(
          fc.tuple(
            ...Object.entries(fields).map(([key, value]) =>
              fc.option(
                value.map((v) => [key, v] as const),
                { nil: undefined, freq: 20 },
              ),
            ),
          ),
          fc.oneof(
            { arbitrary: fc.constant([]), weight: 10 },
            {
              arbitrary: fc.array(fc.tuple(fc.constantFrom(...DROPPED_OR_UNKNOWN_KEYS), junk), { maxLength: 2 }),
              weight: 1,
            },
          ),
        )
        .chain(([known, extra]) => {
          const entries = [...known.filter((e) => e !== undefined), ...extra];
          return fc.shuffledSubarray(entries, { minLength: entries.length, maxLength: entries.length });
        })
        .map((entries) => {
          const object: Record<string, unknown> = {};
          for (const [key, value] of entries) {
            Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
          }
          return object;
        });
    const objectOrArray = (fields: Record<string, fc.Arbitrary<unknown>>) =>
      sometimes(objectOf(fields), fc.array(objectOf(fields), { maxLength: 2 }));

    const returnUrl = fc.constantFrom(
      'https://www.your-return-page.com/',
      'http://localhost:8080/r',
      'not a url',
      'ftp://x.example/',
      `https://${'a'.repeat(2050)}.example/`,
      '',
    );
    const authenticationSetting = objectOrArray({
      type: sometimes(fc.constant('REDIRECT'), fc.constant('redirect')),
      settings: objectOrArray({ returnUrl: sometimes(returnUrl) }),
    });
    const chargeBody = objectOf({
      paymentMethod: sometimes(fc.constant('AMAZON_PAY'), fc.constant('CARD')),
      amount: objectOrArray({
        value: sometimes(fc.constantFrom(1000, 1), fc.constantFrom(0, -100, 10.5, Number.MAX_SAFE_INTEGER + 2, '1000')),
        currency: sometimes(fc.constantFrom('USD', 'EUR'), fc.constantFrom('usd', 'US', 'USDD')),
      }),
      consumer: objectOrArray({
        name: sometimes(
          fc.constantFrom('John Smith', '😀'.repeat(200)),
          fc.constantFrom('x'.repeat(201), '😀'.repeat(201)),
        ),
        country: sometimes(fc.constant('US'), fc.constantFrom('USA', 'us', 'XX')),
      }),
      authenticationSettings: sometimes(
        fc.array(authenticationSetting, { minLength: 1, maxLength: 3 }),
        fc.array(authenticationSetting, { minLength: 4, maxLength: 7 }),
        authenticationSetting,
      ),
      merchantPaymentChargeReference: sometimes(
        fc.constantFrom('order-1', 'x'.repeat(255)),
        fc.constant('x'.repeat(256)),
      ),
      captureMethod: sometimes(fc.constantFrom('AUTOMATIC', 'MANUAL'), fc.constant('LATER')),
      webhooksUrl: sometimes(fc.constant('https://merchant.example/webhooks'), returnUrl),
      sandbox: objectOrArray({
        simulationCode: sometimes(fc.constantFrom(...SIMULATION_CODES), fc.constant('Nope')),
      }),
    });

    it('for generated bodies, valid and not', async () => {
      await fc.assert(
        fc.asyncProperty(chargeBody, async (value) => {
          const json = JSON.stringify(value);
          expect(check(JSON.parse(json))).toEqual(await checkWithValidationPipe(JSON.parse(json)));
        }),
        { numRuns: 2000 },
      );
    });
  });
});
