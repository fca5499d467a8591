import { apiKeyStatus } from './api-key';

describe('apiKeyStatus', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

  it.each([
    ['active', null, null],
    ['expiring', at(1), null],
    ['expired', at(0), null],
    ['expired', at(-1), null],
    ['revoked', null, at(0)],
    ['revoked', at(-1), at(-1)],
    ['revoked', at(1), at(-1)],
    ['revoked', null, at(1)],
  ] as const)('is %s with expiresAt %s and revokedAt %s', (status, expiresAt, revokedAt) => {
    expect(apiKeyStatus({ expiresAt, revokedAt }, now)).toBe(status);
  });
});
