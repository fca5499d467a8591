import { REFUND_TEXT_MAX_LENGTH } from '@payment-ledger/contracts';
import { ApiError } from '../http/api-error';
import type { RequestBody } from '../http/request-body';
import { simulationCode } from '../http/simulation-code';
import { apiValidationPipe } from '../http/validation';
import { createRefundBody } from './create-refund.body';
import { ListRefundsQuery } from './list-refunds.query';
import { openChargebackBody, resolveChargebackBody } from './sandbox-chargeback.bodies';

function check(body: RequestBody<unknown>, value: unknown) {
  try {
    body.validate(value);
    return 'accepted';
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { failureCode: error.failureCode, field: error.details.field };
  }
}

describe('createRefundBody', () => {
  it('takes nothing (refund everything still refundable), or an amount, a reason, a reference, a simulation', () => {
    expect(check(createRefundBody, {})).toBe('accepted');
    expect(check(createRefundBody, undefined)).toBe('accepted');
    expect(
      check(createRefundBody, {
        amount: 250,
        reason: 'item returned,\nbox damaged',
        merchantRefundReference: 'return-5678',
        sandbox: { simulationCode: 'RefundDelayed' },
      }),
    ).toBe('accepted');
    expect(check(createRefundBody, { amount: null, reason: null, merchantRefundReference: null })).toBe('accepted');
  });

  it('refuses an amount that is not a positive integer of minor units', () => {
    for (const amount of [0, -5, 2.5, '250', [250], { value: 250 }, Number.MAX_SAFE_INTEGER + 1]) {
      expect([amount, check(createRefundBody, { amount })]).toEqual([
        amount,
        { failureCode: 'invalid_field', field: 'amount' },
      ]);
    }
  });

  it('keeps text within REFUND_TEXT_MAX_LENGTH, the reference on one line, control characters out', () => {
    const long = 'x'.repeat(REFUND_TEXT_MAX_LENGTH + 1);
    expect(check(createRefundBody, { reason: 'x'.repeat(REFUND_TEXT_MAX_LENGTH) })).toBe('accepted');
    expect(check(createRefundBody, { reason: long })).toEqual({ failureCode: 'invalid_field', field: 'reason' });
    expect(check(createRefundBody, { merchantRefundReference: long })).toEqual({
      failureCode: 'invalid_field',
      field: 'merchantRefundReference',
    });
    expect(check(createRefundBody, { merchantRefundReference: '' })).toEqual({
      failureCode: 'invalid_field',
      field: 'merchantRefundReference',
    });
    expect(check(createRefundBody, { merchantRefundReference: 'return\n5678' })).toEqual({
      failureCode: 'invalid_characters',
      field: 'merchantRefundReference',
    });
    expect(check(createRefundBody, { reason: 'returned\u001b' })).toEqual({
      failureCode: 'invalid_characters',
      field: 'reason',
    });
  });

  it("takes a refund's simulation codes only, and no unknown field", () => {
    expect(check(createRefundBody, { sandbox: { simulationCode: 'RefundDeclined' } })).toBe('accepted');
    expect(check(createRefundBody, { sandbox: { simulationCode: 'Declined' } })).toEqual({
      failureCode: 'invalid_simulation_code',
      field: 'sandbox.simulationCode',
    });
    expect(check(createRefundBody, { amount: 1, currency: 'USD' })).toEqual({
      failureCode: 'unknown_field',
      field: 'currency',
    });
  });
});

describe("a refund's simulation header", () => {
  const REFUND_CODES = ['RefundDeclined', 'RefundDelayed'] as const;
  const headers = (code?: string) => ({ headers: code === undefined ? {} : { 'sandbox-simulation-code': code } });

  it("wins over the body's, and must be a refund's code", () => {
    const body = { sandbox: { simulationCode: 'RefundDelayed' as const } };
    expect(simulationCode(body, headers(), REFUND_CODES)).toBe('RefundDelayed');
    expect(simulationCode(body, headers('RefundDeclined'), REFUND_CODES)).toBe('RefundDeclined');
    expect(simulationCode({}, headers(), REFUND_CODES)).toBeNull();
    expect(() => simulationCode({}, headers('Declined'), REFUND_CODES)).toThrow(
      expect.objectContaining({ failureCode: 'invalid_simulation_code' }),
    );
  });
});

describe('sandbox chargeback bodies', () => {
  it('open: an amount and a reason, both required', () => {
    expect(check(openChargebackBody, { amount: 1000, reason: 'product not received' })).toBe('accepted');
    expect(check(openChargebackBody, { reason: 'fraud' })).toEqual({ failureCode: 'missing_field', field: 'amount' });
    expect(check(openChargebackBody, { amount: 1000 })).toEqual({ failureCode: 'missing_field', field: 'reason' });
    expect(check(openChargebackBody, { amount: 0, reason: 'fraud' })).toEqual({
      failureCode: 'invalid_field',
      field: 'amount',
    });
    expect(check(openChargebackBody, { amount: 1, reason: '' })).toEqual({
      failureCode: 'invalid_field',
      field: 'reason',
    });
    expect(check(openChargebackBody, { amount: 1, reason: 'x'.repeat(REFUND_TEXT_MAX_LENGTH + 1) })).toEqual({
      failureCode: 'invalid_field',
      field: 'reason',
    });
  });

  it('resolve: WON or LOST', () => {
    expect(check(resolveChargebackBody, { outcome: 'WON' })).toBe('accepted');
    expect(check(resolveChargebackBody, { outcome: 'LOST' })).toBe('accepted');
    expect(check(resolveChargebackBody, { outcome: 'OPEN' })).toEqual({
      failureCode: 'invalid_field',
      field: 'outcome',
    });
    expect(check(resolveChargebackBody, {})).toEqual({ failureCode: 'missing_field', field: 'outcome' });
  });
});

describe('ListRefundsQuery', () => {
  const pipe = apiValidationPipe();
  const parse = async (query: Record<string, string>) => {
    try {
      return await pipe.transform(query, { type: 'query', metatype: ListRefundsQuery });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return { failureCode: error.failureCode, field: error.details.field };
    }
  };

  it('takes a page, a status, a charge and instants with their time zone', async () => {
    expect(
      await parse({
        limit: '5',
        status: 'SUCCEEDED',
        paymentChargeId: 'charge_0193a1b2c3d4e5f60718293a4b5c6d7e',
        startingAfter: 'refund_0193a1b2c3d4e5f60718293a4b5c6d7e',
        createdFrom: '2026-03-01T00:00:00Z',
        createdTo: '2026-04-01T00:00:00.000+02:00',
      }),
    ).toMatchObject({ limit: 5, status: 'SUCCEEDED', createdTo: '2026-04-01T00:00:00.000+02:00' });
    expect(await parse({})).toMatchObject({ limit: 20 });
  });

  it('refuses unknown statuses, ids of another kind, dates without a time or zone, and impossible dates', async () => {
    expect(await parse({ status: 'REFUNDED' })).toEqual({ failureCode: 'invalid_field', field: 'status' });
    expect(await parse({ paymentChargeId: 'refund_0193a1b2c3d4e5f60718293a4b5c6d7e' })).toEqual({
      failureCode: 'invalid_field',
      field: 'paymentChargeId',
    });
    expect(await parse({ startingAfter: 'charge_0193a1b2c3d4e5f60718293a4b5c6d7e' })).toEqual({
      failureCode: 'invalid_field',
      field: 'startingAfter',
    });
    for (const createdFrom of ['2026-03-01', '2026-03-01T00:00:00', '2026-02-30T00:00:00Z', 'yesterday']) {
      expect([createdFrom, await parse({ createdFrom })]).toEqual([
        createdFrom,
        { failureCode: 'invalid_field', field: 'createdFrom' },
      ]);
    }
    expect(await parse({ createdTo: '2026-03-01T00:00Z', agreementId: 'x' })).toEqual({
      failureCode: 'unknown_field',
      field: 'agreementId',
    });
  });
});
