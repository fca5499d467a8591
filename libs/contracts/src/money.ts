/**
 * Money is an integer number of minor units with an ISO 4217 currency: never a float.
 * `{ value: 1999, currency: 'USD' }` is 19.99 US dollars.
 */
export interface Money {
  value: number;
  currency: string;
}

/** Minor-unit exponents of the currencies we accept (ISO 4217); extend as methods add currencies. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  USD: 2,
  EUR: 2,
  GBP: 2,
  JPY: 0,
  DKK: 2,
  SEK: 2,
  NOK: 2,
});

export class InvalidMoneyError extends Error {
  constructor(
    readonly code: 'invalid_amount' | 'invalid_currency' | 'currency_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'InvalidMoneyError';
  }
}

/** Whether the currency is in the table. Own keys only: `in` would take Object.prototype's names ('toString') too. */
export function isKnownCurrency(currency: string): boolean {
  return Object.hasOwn(CURRENCY_EXPONENTS, currency);
}

export function money(value: number, currency: string): Money {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new InvalidMoneyError('invalid_amount', `amount must be a non-negative integer of minor units, got ${value}`);
  }
  if (!isKnownCurrency(currency)) {
    throw new InvalidMoneyError('invalid_currency', `unknown currency ${currency}`);
  }
  return { value, currency };
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new InvalidMoneyError('currency_mismatch', `cannot combine ${a.currency} with ${b.currency}`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.value + b.value, a.currency);
}

/** a − b; refuses to go below zero (a ledger amount is never negative). */
export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  if (b.value > a.value) throw new InvalidMoneyError('invalid_amount', `${b.value} exceeds ${a.value}`);
  return money(a.value - b.value, a.currency);
}

export function compare(a: Money, b: Money): -1 | 0 | 1 {
  sameCurrency(a, b);
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

export function sum(amounts: Money[], currency: string): Money {
  return amounts.reduce((total, m) => add(total, m), money(0, currency));
}

/** "19.99 USD": for people and logs, never for arithmetic. */
export function format(m: Money): string {
  const exponent = CURRENCY_EXPONENTS[m.currency];
  if (exponent === 0) return `${m.value} ${m.currency}`;
  const units = Math.floor(m.value / 10 ** exponent);
  const minor = String(m.value % 10 ** exponent).padStart(exponent, '0');
  return `${units}.${minor} ${m.currency}`;
}
