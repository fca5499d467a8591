import { ApiError } from '../http/api-error';
import { advanceTestClockBody } from './advance-test-clock.body';
import { chargePaymentAgreementBody } from './charge-payment-agreement.body';
import { createPaymentAgreementBody } from './create-payment-agreement.body';
import { revokePaymentAgreementBody } from './revoke-payment-agreement.body';
import type { RequestBody } from '../http/request-body';

const SEED_001_AGREEMENT = {
  paymentMethod: 'AMAZON_PAY',
  startDate: '2025-03-26T20:24:27Z',
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
  initialPaymentCharge: { amount: { value: 1000, currency: 'USD' } },
};

function check(body: RequestBody<unknown>, value: unknown) {
  try {
    body.validate(value);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { failureCode: error.failureCode, field: error.details.field, failureMessage: error.message };
  }
}

describe('createPaymentAgreementBody', () => {
  const agreement = (overrides: Record<string, unknown>) => ({ ...SEED_001_AGREEMENT, ...overrides });

  it('accepts seed 001 and every optional field', () => {
    expect(check(createPaymentAgreementBody, SEED_001_AGREEMENT)).toBe('accepted');
    expect(
      check(
        createPaymentAgreementBody,
        agreement({
          endDate: '2026-03-26T20:24:27Z',
          description: 'Monthly subscription,\nPro plan',
          frequency: { type: 'MONTHLY', interval: 1 },
          amount: { value: 1500, currency: 'USD' },
          amountType: 'EXACT',
          merchantPaymentAgreementReference: 'subscription-42',
          webhooksUrl: 'https://merchant.example/hooks',
          sandbox: { simulationCode: 'Declined' },
        }),
      ),
    ).toBe('accepted');
  });

  it.each([
    [{ startDate: 'yesterday' }, 'invalid_start_date', 'startDate'],
    [{ startDate: 20250326 }, 'invalid_start_date', 'startDate'],
    [{ endDate: 'soon' }, 'invalid_end_date', 'endDate'],
    [{ frequency: { type: 'HOURLY', interval: 1 } }, 'invalid_field', 'frequency.type'],
    [{ frequency: { type: 'MONTHLY', interval: '1' } }, 'invalid_field', 'frequency.interval'],
    [{ frequency: [{ type: 'MONTHLY', interval: 1 }] }, 'invalid_field', 'frequency'],
    [{ consumer: [] }, 'invalid_field', 'consumer'],
    [{ consumer: { name: '   ', country: 'US' } }, 'invalid_field', 'consumer.name'],
    [
      { initialPaymentCharge: { amount: { value: '1000', currency: 'USD' } } },
      'invalid_field',
      'initialPaymentCharge.amount.value',
    ],
    [{ description: 'a\u0007bell' }, 'invalid_characters', 'description'],
    [{ merchantPaymentAgreementReference: 'sub\n42' }, 'invalid_characters', 'merchantPaymentAgreementReference'],
    [{ amountType: 'SOME' }, 'invalid_field', 'amountType'],
    [{ surprise: 1 }, 'unknown_field', 'surprise'],
  ])('refuses %j', (overrides, failureCode, field) => {
    expect(check(createPaymentAgreementBody, agreement(overrides))).toMatchObject({ failureCode, field });
  });

  it('says a string where a number belongs is a type error', () => {
    expect(check(createPaymentAgreementBody, agreement({ amount: { value: '100', currency: 'USD' } }))).toEqual({
      failureCode: 'invalid_field',
      field: 'amount.value',
      failureMessage: 'amount.value must be an integer',
    });
  });
});

describe('the other agreement bodies', () => {
  it('charge: an optional amount, reference and sandbox', () => {
    expect(check(chargePaymentAgreementBody, {})).toBe('accepted');
    expect(check(chargePaymentAgreementBody, { amount: { value: 8000, currency: 'USD' } })).toBe('accepted');
    expect(check(chargePaymentAgreementBody, { amount: { value: 0, currency: 'USD' } })).toMatchObject({
      failureCode: 'invalid_field',
      field: 'amount.value',
    });
    expect(check(chargePaymentAgreementBody, { sandbox: { simulationCode: 'x' } })).toMatchObject({
      failureCode: 'invalid_simulation_code',
    });
  });

  it('revocation: an optional multi-line description, nothing else', () => {
    expect(check(revokePaymentAgreementBody, {})).toBe('accepted');
    expect(check(revokePaymentAgreementBody, { description: 'moved away\r\nno longer needed' })).toBe('accepted');
    expect(check(revokePaymentAgreementBody, { reason: 'x' })).toMatchObject({ failureCode: 'unknown_field' });
    expect(check(revokePaymentAgreementBody, { description: 'x'.repeat(501) })).toMatchObject({
      failureCode: 'invalid_field',
    });
  });

  it('test clock: whole seconds, up to ten years', () => {
    expect(check(advanceTestClockBody, { seconds: 60 })).toBe('accepted');
    expect(check(advanceTestClockBody, {})).toMatchObject({ failureCode: 'missing_field', field: 'seconds' });
    expect(check(advanceTestClockBody, { seconds: '60' })).toMatchObject({
      failureMessage: 'seconds must be an integer',
    });
    expect(check(advanceTestClockBody, { seconds: 10 * 366 * 24 * 3600 + 1 })).toMatchObject({
      failureCode: 'invalid_field',
    });
  });
});
