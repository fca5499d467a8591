import fc from 'fast-check';
import { add, compare, format, money, subtract, sum } from './money';
import { checkAmount, PAYMENT_METHOD_CAPABILITIES } from './payment-method-capabilities';

describe('money', () => {
  it('accepts only non-negative integer minor units of a known currency', () => {
    expect(money(1999, 'USD')).toEqual({ value: 1999, currency: 'USD' });
    expect(() => money(19.99, 'USD')).toThrow(/integer/);
    expect(() => money(-1, 'USD')).toThrow(/non-negative/);
    expect(() => money(1, 'XXX')).toThrow(/unknown currency/);
  });

  it('never mixes currencies', () => {
    expect(() => add(money(1, 'USD'), money(1, 'EUR'))).toThrow(/cannot combine/);
    expect(() => compare(money(1, 'USD'), money(1, 'EUR'))).toThrow(/cannot combine/);
  });

  it('formats by the currency exponent', () => {
    expect(format(money(1999, 'USD'))).toBe('19.99 USD');
    expect(format(money(5, 'USD'))).toBe('0.05 USD');
    expect(format(money(500, 'JPY'))).toBe('500 JPY');
  });

  it('property: adding then subtracting returns the original, exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 0, max: 2 ** 40 }), (a, b) => {
        expect(subtract(add(money(a, 'USD'), money(b, 'USD')), money(b, 'USD'))).toEqual(money(a, 'USD'));
      }),
    );
  });

  it('property: a sum of parts equals the whole and never goes below zero', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 50 }), (parts) => {
        const total = sum(
          parts.map((p) => money(p, 'USD')),
          'USD',
        );
        expect(total.value).toBe(parts.reduce((x, y) => x + y, 0));
        expect(() => subtract(money(0, 'USD'), money(total.value + 1, 'USD'))).toThrow();
      }),
    );
  });
});

describe('payment method capabilities', () => {
  it('holds the Amazon Pay rules of seed 001: USD only, 0.50 to 20,000.00', () => {
    expect(checkAmount('AMAZON_PAY', money(50, 'USD'))).toBeUndefined();
    expect(checkAmount('AMAZON_PAY', money(2_000_000, 'USD'))).toBeUndefined();
    expect(checkAmount('AMAZON_PAY', money(49, 'USD'))).toBe('amount_too_small');
    expect(checkAmount('AMAZON_PAY', money(2_000_001, 'USD'))).toBe('amount_too_large');
    expect(checkAmount('AMAZON_PAY', money(1000, 'EUR'))).toBe('currency_not_supported');
    expect(PAYMENT_METHOD_CAPABILITIES.AMAZON_PAY).toMatchObject({
      recurring: true,
      chargebacks: true,
      captureWindowDays: 7,
    });
  });
});
