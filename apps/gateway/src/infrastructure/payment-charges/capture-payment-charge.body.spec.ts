import { ApiError } from '../http/api-error';
import { capturePaymentChargeBody, voidPaymentChargeBody } from './capture-payment-charge.body';

const refusal = (validate: () => unknown) => {
  try {
    validate();
  } catch (error) {
    if (error instanceof ApiError) return { failureCode: error.failureCode, field: error.details.field };
    throw error;
  }
  return 'accepted';
};

describe('capture and void bodies', () => {
  it('capture: an optional positive integer amount', () => {
    expect(refusal(() => capturePaymentChargeBody.validate({}))).toBe('accepted');
    expect(refusal(() => capturePaymentChargeBody.validate({ amount: 600 }))).toBe('accepted');
    for (const amount of [1.5, 0, '600', [600]]) {
      expect(refusal(() => capturePaymentChargeBody.validate({ amount }))).toEqual({
        failureCode: 'invalid_field',
        field: 'amount',
      });
    }
    expect(refusal(() => capturePaymentChargeBody.validate({ amount: 1, note: 'x' }))).toEqual({
      failureCode: 'unknown_field',
      field: 'note',
    });
  });

  it('void: an optional note, where line breaks are fine and other control characters are not', () => {
    expect(refusal(() => voidPaymentChargeBody.validate({ description: 'order canceled\n(by phone)' }))).toBe(
      'accepted',
    );
    expect(refusal(() => voidPaymentChargeBody.validate({ description: 'order\u001bcanceled' }))).toEqual({
      failureCode: 'invalid_characters',
      field: 'description',
    });
  });
});
