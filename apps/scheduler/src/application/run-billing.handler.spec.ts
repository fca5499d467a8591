import { outcomeOf } from './run-billing.handler';

describe('outcomeOf (what a period learns from its charge)', () => {
  it('a captured charge paid the period, also once the merchant refunded it in part or whole', () => {
    for (const status of ['CAPTURED', 'REFUND_PROCESSING', 'REFUNDED'] as const) {
      expect(outcomeOf({ status, failure: null })).toEqual({ status: 'CAPTURED' });
    }
  });

  it('a failed charge declined it, and one still under way says nothing yet', () => {
    const failure = {
      failureType: 'PROVIDER_DECLINE' as const,
      failureCode: 'declined',
      providerFailureCode: 'Declined',
      failureMessage: 'declined',
      isRetryable: false,
    };
    expect(outcomeOf({ status: 'FAILED', failure })).toEqual({ status: 'DECLINED', failure });
    expect(outcomeOf({ status: 'AUTHORIZATION_PROCESSING', failure: null })).toBeUndefined();
  });
});
