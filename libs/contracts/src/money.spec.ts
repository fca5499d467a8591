import fc from 'fast-check';
import { add, compare, CURRENCY_EXPONENTS, format, InvalidMoneyError, money, subtract, sum } from './money';
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

describe('money, each rule on its edge', () => {
  const refusal = (act: () => unknown): InvalidMoneyError => {
    try {
      act();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMoneyError);
      return error as InvalidMoneyError;
    }
    throw new Error('expected an InvalidMoneyError');
  };

  it('takes zero and the largest safe integer; refuses fractions, NaN, infinities and unsafe integers', () => {
    expect(money(0, 'USD')).toEqual({ value: 0, currency: 'USD' });
    expect(money(Number.MAX_SAFE_INTEGER, 'JPY')).toEqual({ value: Number.MAX_SAFE_INTEGER, currency: 'JPY' });
    for (const value of [0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1, -1]) {
      const error = refusal(() => money(value, 'USD'));
      expect(error).toMatchObject({ code: 'invalid_amount', name: 'InvalidMoneyError' });
      expect(error.message).toBe(`amount must be a non-negative integer of minor units, got ${value}`);
    }
  });

  it('knows the currencies of the table, and no other (nor an inherited property name)', () => {
    expect(Object.isFrozen(CURRENCY_EXPONENTS)).toBe(true);
    expect(CURRENCY_EXPONENTS).toEqual({ USD: 2, EUR: 2, GBP: 2, JPY: 0, DKK: 2, SEK: 2, NOK: 2 });
    for (const currency of Object.keys(CURRENCY_EXPONENTS)) expect(money(1, currency).currency).toBe(currency);
    for (const currency of ['XXX', 'usd', '', 'toString', 'constructor', '__proto__']) {
      const error = refusal(() => money(1, currency));
      expect(error).toMatchObject({ code: 'invalid_currency', message: `unknown currency ${currency}` });
    }
  });

  it('refuses to combine two currencies in add, subtract and compare, naming both', () => {
    for (const combine of [add, subtract, compare]) {
      const error = refusal(() => combine(money(1, 'USD'), money(1, 'EUR')));
      expect(error).toMatchObject({ code: 'currency_mismatch', message: 'cannot combine USD with EUR' });
    }
  });

  it('adds exactly, and refuses a total past the largest safe integer', () => {
    expect(add(money(1999, 'EUR'), money(1, 'EUR'))).toEqual({ value: 2000, currency: 'EUR' });
    expect(refusal(() => add(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD'))).code).toBe('invalid_amount');
  });

  it('subtracts down to exactly zero: subtract(x, x) is zero, one more is refused', () => {
    for (const value of [0, 1, 1999, Number.MAX_SAFE_INTEGER]) {
      expect(subtract(money(value, 'GBP'), money(value, 'GBP'))).toEqual({ value: 0, currency: 'GBP' });
    }
    expect(subtract(money(1999, 'GBP'), money(999, 'GBP'))).toEqual({ value: 1000, currency: 'GBP' });
    const error = refusal(() => subtract(money(1999, 'GBP'), money(2000, 'GBP')));
    expect(error).toMatchObject({ code: 'invalid_amount', message: '2000 exceeds 1999' });
  });

  it('compares: -1 below, 0 equal, 1 above', () => {
    expect(compare(money(1, 'USD'), money(2, 'USD'))).toBe(-1);
    expect(compare(money(2, 'USD'), money(2, 'USD'))).toBe(0);
    expect(compare(money(3, 'USD'), money(2, 'USD'))).toBe(1);
  });

  it('sums in the currency asked for: nothing is zero of it, and a part in another currency is refused', () => {
    expect(sum([], 'EUR')).toEqual({ value: 0, currency: 'EUR' });
    expect(sum([money(1, 'SEK'), money(2, 'SEK'), money(3, 'SEK')], 'SEK')).toEqual({ value: 6, currency: 'SEK' });
    expect(refusal(() => sum([money(1, 'USD')], 'EUR')).code).toBe('currency_mismatch');
    expect(refusal(() => sum([], 'XXX')).code).toBe('invalid_currency');
  });

  it('formats whole units, minor units padded to the exponent, and a zero-exponent currency without a point', () => {
    expect(format(money(0, 'USD'))).toBe('0.00 USD');
    expect(format(money(1, 'EUR'))).toBe('0.01 EUR');
    expect(format(money(10, 'EUR'))).toBe('0.10 EUR');
    expect(format(money(100, 'EUR'))).toBe('1.00 EUR');
    expect(format(money(123456, 'DKK'))).toBe('1234.56 DKK');
    expect(format(money(123456, 'JPY'))).toBe('123456 JPY');
    expect(format(money(0, 'JPY'))).toBe('0 JPY');
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
