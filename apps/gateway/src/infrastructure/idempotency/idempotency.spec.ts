import type { FastifyReply } from 'fastify';
import { ManualClock } from '@payment-ledger/platform';
import type { IdempotencyRecord } from '../../domain/idempotency';
import { ApiError } from '../http/api-error';
import { Idempotency, type IdempotentRequest } from './idempotency';
import type { IdempotencyRepository } from './idempotency.repository';

const NOW = new Date('2026-03-01T12:00:00.000Z');

/** A repository with no records, or with one of the request's own hash (as for a retry). */
function fakeRepository(existing?: Omit<IdempotencyRecord, 'requestHash'>) {
  let requestHash = '';
  return {
    claim: jest.fn(async (_merchantId: string, _key: string, hash: string) => {
      requestHash = hash;
      return existing === undefined;
    }),
    find: jest.fn(async () => existing && { ...existing, requestHash }),
    takeOver: jest.fn(async () => true),
    complete: jest.fn(async () => undefined),
    forget: jest.fn(async () => undefined),
    release: jest.fn(async () => undefined),
  };
}

function setUp(headers: Record<string, string> = {}, existing?: Omit<IdempotencyRecord, 'requestHash'>) {
  const records = fakeRepository(existing);
  const idempotency = new Idempotency(records as unknown as IdempotencyRepository, new ManualClock(NOW));
  const request = {
    method: 'POST',
    url: '/v1/payment-charges',
    headers,
    body: { amount: { value: 1000, currency: 'USD' } },
    merchant: { id: 'mch_1', mode: 'SANDBOX' },
  } as unknown as IdempotentRequest;
  const reply = { statusCode: 201, header: jest.fn(), status: jest.fn() };
  reply.header.mockReturnValue(reply);
  reply.status.mockReturnValue(reply);
  const response = reply as unknown as FastifyReply;
  return { records, idempotency, request, response };
}

describe('Idempotency', () => {
  it('without a key runs the request with a fresh resource id and touches no record', async () => {
    const { records, idempotency, request, response } = setUp();
    const execute = jest.fn(async () => ({ id: 'charge_1' }));
    await expect(idempotency.run(request, response, execute)).resolves.toEqual({ id: 'charge_1' });
    expect(execute).toHaveBeenCalledTimes(1);
    expect(request.resourceIdHex).toMatch(/^[0-9a-f]{32}$/);
    expect(request.idempotencyKey).toBeUndefined();
    expect(Object.values(records).every((method) => method.mock.calls.length === 0)).toBe(true);
  });

  it('without a key passes the request’s refusal on as it is', async () => {
    const { idempotency, request, response } = setUp();
    const refusal = new ApiError(400, 'invalid_field', 'amount.value must be positive');
    await expect(
      idempotency.run(request, response, () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
  });

  it('with a new key claims it, runs the request once and records its answer and status', async () => {
    const { records, idempotency, request, response } = setUp({ 'idempotency-key': 'order-1' });
    await idempotency.run(request, response, async () => ({ id: 'charge_1' }));
    expect(request.idempotencyKey).toBe('order-1');
    expect(records.claim).toHaveBeenCalledWith('mch_1', 'order-1', expect.any(String), request.resourceIdHex, NOW);
    expect(records.complete).toHaveBeenCalledWith('mch_1', 'order-1', 201, { id: 'charge_1' });
  });

  it('replays a completed key’s answer without running the request', async () => {
    const completed = {
      state: 'completed' as const,
      resourceId: 'abc',
      lockedAt: null,
      responseStatus: 201,
      responseBody: { id: 'charge_abc' },
      expiresAt: new Date(NOW.getTime() + 60_000),
    };
    const { idempotency, request, response } = setUp({ 'request-idempotency-key': 'order-1' }, completed);
    const execute = jest.fn();
    await expect(idempotency.run(request, response, execute)).resolves.toEqual({ id: 'charge_abc' });
    expect(execute).not.toHaveBeenCalled();
    expect(response.header).toHaveBeenCalledWith('Request-Idempotency', 'true');
    expect(response.status).toHaveBeenCalledWith(201);
  });

  it('forgets a key whose request was refused (4xx) and releases one whose request failed (5xx)', async () => {
    const refused = setUp({ 'idempotency-key': 'k' });
    await expect(
      refused.idempotency.run(refused.request, refused.response, async () => {
        throw new ApiError(400, 'invalid_field', 'no');
      }),
    ).rejects.toBeInstanceOf(ApiError);
    expect(refused.records.forget).toHaveBeenCalledWith('mch_1', 'k');
    const failed = setUp({ 'idempotency-key': 'k' });
    await expect(
      failed.idempotency.run(failed.request, failed.response, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(failed.records.release).toHaveBeenCalledWith('mch_1', 'k');
  });

  it('refuses an unusable key before running anything', async () => {
    const { records, idempotency, request, response } = setUp({ 'idempotency-key': 'with space' });
    const execute = jest.fn();
    await expect(idempotency.run(request, response, execute)).rejects.toMatchObject({
      failureCode: 'invalid_idempotency_key',
    });
    expect(execute).not.toHaveBeenCalled();
    expect(records.claim).not.toHaveBeenCalled();
  });
});
