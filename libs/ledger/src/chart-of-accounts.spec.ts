import { accountDefinitionOf, accounts, CHART_OF_ACCOUNTS } from './chart-of-accounts';

describe('the chart of accounts', () => {
  it('names each account by its owner and purpose', () => {
    expect(accounts.consumerHeld).toBe('consumer:held');
    expect(accounts.merchantAuthorized('mch_1')).toBe('merchant:mch_1:authorized');
    expect(accounts.providerClearing('AMAZON_PAY')).toBe('provider:amazon_pay:clearing');
    expect(accounts.merchantPayable('mch_1')).toBe('merchant:mch_1:payable');
    expect(accounts.merchantRefundsPending('mch_1')).toBe('merchant:mch_1:refunds_pending');
    expect(accounts.merchantDisputed('mch_1')).toBe('merchant:mch_1:disputed');
  });

  it('lists six accounts: two assets on the debit side, four liabilities, each described', () => {
    expect(CHART_OF_ACCOUNTS.map((d) => [d.pattern, d.kind])).toEqual([
      ['consumer:held', 'asset'],
      ['merchant:{id}:authorized', 'liability'],
      ['provider:{method}:clearing', 'asset'],
      ['merchant:{id}:payable', 'liability'],
      ['merchant:{id}:refunds_pending', 'liability'],
      ['merchant:{id}:disputed', 'liability'],
    ]);
    for (const definition of CHART_OF_ACCOUNTS) expect(definition.description.length).toBeGreaterThan(10);
  });

  it('finds the definition of every account the names above make', () => {
    const names = [
      accounts.consumerHeld,
      accounts.merchantAuthorized('m'),
      accounts.providerClearing('AMAZON_PAY'),
      accounts.merchantPayable('m'),
      accounts.merchantRefundsPending('m'),
      accounts.merchantDisputed('m'),
    ];
    expect(names.map((name) => accountDefinitionOf(name))).toEqual([...CHART_OF_ACCOUNTS]);
  });

  it.each([
    'merchant:m:unknown',
    'merchant:m',
    'merchant:m:payable:extra',
    'provider:amazon_pay',
    'provider:amazon_pay:payable',
    'consumer:other',
    'consumer:held:x',
    'merchant:{id}:payable:x',
    'customer:m:payable',
    'bank:x:clearing',
    'provider:amazon_pay:clearing:x',
    '',
  ])('finds no definition for %p', (name) => {
    expect(accountDefinitionOf(name)).toBeNull();
  });
});
