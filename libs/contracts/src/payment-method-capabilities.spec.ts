import { refundWindowEndsAt } from './payment-method-capabilities';

describe('refundWindowEndsAt', () => {
  it('is 6 calendar months after the capture for Amazon Pay, at the same time of day', () => {
    expect(refundWindowEndsAt('AMAZON_PAY', '2026-01-15T10:30:00.000Z').toISOString()).toBe('2026-07-15T10:30:00.000Z');
    expect(refundWindowEndsAt('AMAZON_PAY', '2026-09-01T00:00:00.000Z').toISOString()).toBe('2027-03-01T00:00:00.000Z');
  });

  it("ends on the month's last day when the month has no such day", () => {
    expect(refundWindowEndsAt('AMAZON_PAY', '2025-08-31T12:00:00.000Z').toISOString()).toBe('2026-02-28T12:00:00.000Z');
    expect(refundWindowEndsAt('AMAZON_PAY', '2027-08-31T12:00:00.000Z').toISOString()).toBe('2028-02-29T12:00:00.000Z');
  });
});
