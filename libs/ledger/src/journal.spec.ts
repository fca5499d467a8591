import { credit, debit, isBalanced, trialBalance } from './journal';

describe('journal lines', () => {
  it('debit and credit put the amount on one side and zero on the other', () => {
    expect(debit('consumer:held', 500)).toEqual({ account: 'consumer:held', debit: 500, credit: 0 });
    expect(credit('merchant:m1:authorized', 500)).toEqual({ account: 'merchant:m1:authorized', debit: 0, credit: 500 });
  });
});

describe('isBalanced', () => {
  const balanced = [debit('a', 700), credit('b', 300), credit('c', 400)];

  it('takes entries of two or more well-formed lines whose debits equal their credits', () => {
    expect(isBalanced({ lines: [debit('a', 1), credit('b', 1)] })).toBe(true);
    expect(isBalanced({ lines: balanced })).toBe(true);
    expect(isBalanced({ lines: [debit('a', Number.MAX_SAFE_INTEGER), credit('b', Number.MAX_SAFE_INTEGER)] })).toBe(
      true,
    );
  });

  it('refuses an entry that does not balance, by one either way', () => {
    expect(isBalanced({ lines: [debit('a', 701), credit('b', 300), credit('c', 400)] })).toBe(false);
    expect(isBalanced({ lines: [debit('a', 699), credit('b', 300), credit('c', 400)] })).toBe(false);
  });

  it('refuses fewer than two lines, even when they would balance', () => {
    expect(isBalanced({ lines: [] })).toBe(false);
    expect(isBalanced({ lines: [{ account: 'a', debit: 0, credit: 0 }] })).toBe(false);
    expect(isBalanced({ lines: [debit('a', 5)] })).toBe(false);
  });

  it.each([
    ['both sides above zero', { account: 'x', debit: 5, credit: 5 }],
    ['both sides zero', { account: 'x', debit: 0, credit: 0 }],
    ['a negative debit', { account: 'x', debit: -5, credit: 0 }],
    ['a negative credit', { account: 'x', debit: 0, credit: -5 }],
    ['a fractional debit', { account: 'x', debit: 0.5, credit: 0 }],
    ['a fractional credit', { account: 'x', debit: 0, credit: 0.5 }],
    ['an unsafe debit', { account: 'x', debit: 2 ** 53, credit: 0 }],
    ['an unsafe credit', { account: 'x', debit: 0, credit: 2 ** 53 }],
    ['a NaN debit', { account: 'x', debit: Number.NaN, credit: 0 }],
  ])('refuses a line with %s (in an otherwise balanced entry)', (_name, line) => {
    expect(isBalanced({ lines: [...balanced, line] })).toBe(false);
    expect(isBalanced({ lines: [line, ...balanced] })).toBe(false);
  });
});

describe('trialBalance', () => {
  it('sums each account per currency, balance = debits − credits, sorted by account then currency', () => {
    const balances = trialBalance([
      { currency: 'USD', lines: [debit('b', 100), credit('a', 100)] },
      { currency: 'EUR', lines: [debit('b', 30), credit('a', 30)] },
      { currency: 'USD', lines: [debit('a', 40), credit('b', 40)] },
    ]);
    expect(balances).toEqual([
      { account: 'a', currency: 'EUR', debits: 0, credits: 30, balance: -30 },
      { account: 'a', currency: 'USD', debits: 40, credits: 100, balance: -60 },
      { account: 'b', currency: 'EUR', debits: 30, credits: 0, balance: 30 },
      { account: 'b', currency: 'USD', debits: 100, credits: 40, balance: 60 },
    ]);
  });

  it('keeps accounts whose names differ only past a separator apart, and gives nothing for no entries', () => {
    expect(trialBalance([])).toEqual([]);
    const balances = trialBalance([{ currency: 'USD', lines: [debit('m:1', 5), credit('m:10', 5)] }]);
    expect(balances.map((b) => [b.account, b.balance])).toEqual([
      ['m:1', 5],
      ['m:10', -5],
    ]);
  });
});

describe('isBalanced, on entries that balance only by a malformed line', () => {
  it.each([
    ['a fraction on both sides', [debit('a', 0.5), credit('b', 0.5)]],
    ['an unsafe integer on both sides', [debit('a', 2 ** 53), credit('b', 2 ** 53)]],
    [
      'a negative debit beside a credit',
      [
        { account: 'a', debit: -5, credit: 5 },
        { account: 'b', debit: 10, credit: 0 },
      ],
    ],
    [
      'a negative credit beside a debit',
      [
        { account: 'a', debit: 5, credit: -5 },
        { account: 'b', debit: 0, credit: 10 },
      ],
    ],
  ])('refuses %s', (_name, lines) => {
    expect(isBalanced({ lines })).toBe(false);
  });
});
