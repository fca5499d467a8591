import { classifyResponse } from './delivery-outcome';

const now = new Date('2026-03-01T12:00:00.000Z');

describe('classifyResponse', () => {
  it.each([[200], [201], [202], [204], [299]])('%i is success', (status) => {
    expect(classifyResponse({ status }, now)).toEqual({ kind: 'succeeded' });
  });

  it('410 Gone means the endpoint is gone', () => {
    expect(classifyResponse({ status: 410 }, now)).toEqual({ kind: 'endpoint_gone' });
  });

  it.each([[100], [199], [300], [301], [302], [307], [308], [400], [401], [404], [500], [502], [504]])(
    '%i is a failure to retry on the schedule (redirects are not followed)',
    (status) => {
      expect(classifyResponse({ status, headers: { location: 'https://elsewhere.example/' } }, now)).toEqual({
        kind: 'retry',
        retryAfterMs: null,
      });
    },
  );

  it.each([[429], [503]])('%i honours Retry-After, seconds or date, in any header case', (status) => {
    expect(classifyResponse({ status, headers: { 'retry-after': '30' } }, now)).toEqual({
      kind: 'retry',
      retryAfterMs: 30_000,
    });
    expect(classifyResponse({ status, headers: { 'Retry-After': 'Sun, 01 Mar 2026 12:01:00 GMT' } }, now)).toEqual({
      kind: 'retry',
      retryAfterMs: 60_000,
    });
    expect(classifyResponse({ status, headers: {} }, now)).toEqual({ kind: 'retry', retryAfterMs: null });
  });

  it('ignores Retry-After on other failures', () => {
    expect(classifyResponse({ status: 500, headers: { 'retry-after': '30' } }, now)).toEqual({
      kind: 'retry',
      retryAfterMs: null,
    });
  });

  it.each([['timeout'], ['network'], ['refused_address']] as const)('a %s error is a failure to retry', (error) => {
    expect(classifyResponse({ error }, now)).toEqual({ kind: 'retry', retryAfterMs: null });
    expect(classifyResponse({ error, status: 200 }, now)).toEqual({ kind: 'retry', retryAfterMs: null });
  });

  it('no status and no error is a failure, never a success', () => {
    expect(classifyResponse({}, now)).toEqual({ kind: 'retry', retryAfterMs: null });
  });
});
