import { formatAmount } from './report-html';

describe('formatAmount', () => {
  it('writes a known currency in major units, a negative one with its sign', () => {
    expect(formatAmount(1999, 'USD')).toBe('19.99 USD');
    expect(formatAmount(-500, 'EUR')).toBe('-5.00 EUR');
  });

  it("writes an unknown currency as minor units, Object.prototype's names included", () => {
    expect(formatAmount(7, 'XYZ')).toBe('7 XYZ (minor units)');
    expect(formatAmount(7, 'toString')).toBe('7 toString (minor units)');
  });
});
