import fc from 'fast-check';
import { money, SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';
import type { AuthorizeRequest, OperationRequest } from '../payment-method-provider';
import { AmazonPaySandboxProvider, type AmazonPaySandboxOptions } from './amazon-pay-sandbox.provider';
import { CONSUMER_CANCELED, SIMULATED_FAILURES } from './simulation-outcomes';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const DELAY_MS = 45_000;
const CHARGE_ID = 'charge_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
const AUTHORIZATION_ID = 'auth_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';

const OPTIONS: AmazonPaySandboxOptions = {
  hostedPageBaseUrl: 'http://127.0.0.1:3002',
  signingSecret: 'test-signing-secret',
  asyncAuthorizationDelayMs: DELAY_MS,
};
const sandbox = (options: Partial<AmazonPaySandboxOptions> = {}) =>
  new AmazonPaySandboxProvider({ ...OPTIONS, ...options });

const authorizeRequest = (simulationCode: SimulationCode | null, overrides: Partial<AuthorizeRequest> = {}) => ({
  chargeId: CHARGE_ID,
  authorizationId: AUTHORIZATION_ID,
  amount: money(1000, 'USD'),
  simulationCode,
  now: NOW,
  ...overrides,
});
const operation = (operationId: string, overrides: Partial<OperationRequest> = {}): OperationRequest => ({
  chargeId: CHARGE_ID,
  operationId,
  authorizationReference: 'S01-AUTH',
  amount: money(1000, 'USD'),
  ...overrides,
});

/** The `token` query parameter of a redirect URL. */
function tokenOf(requestUrl: string): string {
  const token = new URL(requestUrl).searchParams.get('token');
  if (token === null) throw new Error(`no token in ${requestUrl}`);
  return token;
}

/** The same token with one character changed. */
function tamper(token: string): string {
  const last = token.at(-1) === 'A' ? 'B' : 'A';
  return token.slice(0, -1) + last;
}

describe('AmazonPaySandboxProvider', () => {
  it('is the AMAZON_PAY provider', () => {
    expect(sandbox().paymentMethod).toBe('AMAZON_PAY');
  });

  describe('redirect to the hosted page', () => {
    it('sends the consumer by GET to the hosted checkout page of the charge, with a signed token', () => {
      const { requestUrl, requestMethod } = sandbox().createRedirect({ chargeId: CHARGE_ID });

      expect(requestMethod).toBe('GET');
      expect(requestUrl).toContain(CHARGE_ID);
      const url = new URL(requestUrl);
      expect(url.origin).toBe('http://127.0.0.1:3002');
      expect(url.pathname).toBe(`/amazon-pay/checkout/${CHARGE_ID}`);
      expect(tokenOf(requestUrl)).toMatch(/^[A-Za-z0-9_-]{43}$/); // HMAC-SHA256, base64url: safe in a URL as is
    });

    it('does not double the slash when the base URL ends with one', () => {
      const { requestUrl } = sandbox({ hostedPageBaseUrl: 'https://sandbox.test/pay//' }).createRedirect({
        chargeId: CHARGE_ID,
      });
      expect(requestUrl.startsWith(`https://sandbox.test/pay/amazon-pay/checkout/${CHARGE_ID}?token=`)).toBe(true);
    });

    it('verifies the token of its own redirect', () => {
      const provider = sandbox();
      const token = tokenOf(provider.createRedirect({ chargeId: CHARGE_ID }).requestUrl);
      expect(provider.verifyRedirectToken(CHARGE_ID, token)).toBe(true);
    });

    it('verifies a token made by another instance with the same secret (no state of its own)', () => {
      const token = tokenOf(sandbox().createRedirect({ chargeId: CHARGE_ID }).requestUrl);
      expect(sandbox().verifyRedirectToken(CHARGE_ID, token)).toBe(true);
    });

    it('refuses a tampered token', () => {
      const provider = sandbox();
      const token = tokenOf(provider.createRedirect({ chargeId: CHARGE_ID }).requestUrl);
      expect(provider.verifyRedirectToken(CHARGE_ID, tamper(token))).toBe(false);
      expect(provider.verifyRedirectToken(CHARGE_ID, token.slice(0, -1))).toBe(false);
      expect(provider.verifyRedirectToken(CHARGE_ID, `${token}A`)).toBe(false);
      expect(provider.verifyRedirectToken(CHARGE_ID, '')).toBe(false);
    });

    it('refuses the token of another charge', () => {
      const provider = sandbox();
      const other = tokenOf(provider.createRedirect({ chargeId: 'charge_other' }).requestUrl);
      expect(provider.verifyRedirectToken(CHARGE_ID, other)).toBe(false);
    });

    it('refuses a token signed with another secret', () => {
      const foreign = tokenOf(
        sandbox({ signingSecret: 'another-secret' }).createRedirect({ chargeId: CHARGE_ID }).requestUrl,
      );
      expect(sandbox().verifyRedirectToken(CHARGE_ID, foreign)).toBe(false);
    });

    it('for any two charge ids, a token verifies for its own charge only', () => {
      const provider = sandbox();
      fc.assert(
        fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (chargeId, otherId) => {
          const token = tokenOf(provider.createRedirect({ chargeId: encodeURIComponent(chargeId) }).requestUrl);
          expect(provider.verifyRedirectToken(encodeURIComponent(chargeId), token)).toBe(true);
          if (otherId !== chargeId) {
            expect(provider.verifyRedirectToken(encodeURIComponent(otherId), token)).toBe(false);
          }
        }),
      );
    });
  });

  describe('simulation outcomes', () => {
    it('documents a failure for every simulation code except the asynchronous AuthorizationInitiated', () => {
      expect(Object.keys(SIMULATED_FAILURES).sort()).toEqual(
        SIMULATION_CODES.filter((code) => code !== 'AuthorizationInitiated').sort(),
      );
      for (const [code, failure] of Object.entries(SIMULATED_FAILURES)) {
        expect(failure.providerFailureCode).toBe(code);
        expect(['PROVIDER_DECLINE', 'PROVIDER_ERROR']).toContain(failure.failureType);
        expect(failure.failureCode).toMatch(/^[a-z_]+$/);
        expect(failure.failureMessage).not.toHaveLength(0);
      }
    });

    it.each(Object.entries(SIMULATED_FAILURES) as Array<[Exclude<SimulationCode, 'AuthorizationInitiated'>, unknown]>)(
      'declines an authorization with simulation code %s with its SIMULATED_FAILURES entry',
      async (code) => {
        const outcome = await sandbox().authorize(authorizeRequest(code));
        expect(outcome).toEqual({ status: 'DECLINED', failure: SIMULATED_FAILURES[code] });
      },
    );

    it.each<[Exclude<SimulationCode, 'AuthorizationInitiated'>, string, string, boolean]>([
      ['BuyerCanceled', 'PROVIDER_DECLINE', 'consumer_canceled', true],
      ['Declined', 'PROVIDER_DECLINE', 'declined', false],
      ['HardDeclined', 'PROVIDER_DECLINE', 'hard_declined', false],
      ['SoftDeclined', 'PROVIDER_DECLINE', 'soft_declined', true],
      ['AmazonRejected', 'PROVIDER_DECLINE', 'provider_rejected', false],
      ['ProcessingFailure', 'PROVIDER_ERROR', 'processing_failure', true],
      ['TransactionTimedOut', 'PROVIDER_ERROR', 'transaction_timed_out', true],
    ])('%s is a %s with code %s (retryable: %s)', (code, failureType, failureCode, isRetryable) => {
      expect(SIMULATED_FAILURES[code]).toMatchObject({
        failureType,
        failureCode,
        providerFailureCode: code,
        isRetryable,
      });
    });

    it('answers AuthorizationInitiated with a PENDING authorization to check again after the configured delay', async () => {
      const outcome = await sandbox().authorize(authorizeRequest('AuthorizationInitiated'));
      expect(outcome).toEqual({
        status: 'PENDING',
        providerReference: `S01-${AUTHORIZATION_ID.slice(-16)}`,
        checkAfter: new Date(NOW.getTime() + DELAY_MS).toISOString(),
      });
    });

    it('takes checkAfter from the request clock and the configured delay, never the real clock', async () => {
      const now = new Date('2030-12-31T23:59:30.000Z');
      const outcome = await sandbox({ asyncAuthorizationDelayMs: 60_000 }).authorize(
        authorizeRequest('AuthorizationInitiated', { now }),
      );
      expect(outcome).toMatchObject({ status: 'PENDING', checkAfter: '2031-01-01T00:00:30.000Z' });
    });

    it('authorizes when there is no simulation code', async () => {
      const outcome = await sandbox().authorize(authorizeRequest(null));
      expect(outcome).toEqual({ status: 'AUTHORIZED', providerReference: `S01-${AUTHORIZATION_ID.slice(-16)}` });
    });

    it('settles a pending authorization as AUTHORIZED, keeping its reference', async () => {
      const provider = sandbox();
      const pending = await provider.authorize(authorizeRequest('AuthorizationInitiated'));
      if (pending.status !== 'PENDING') throw new Error('expected PENDING');
      const settled = await provider.resolveAuthorization({
        chargeId: CHARGE_ID,
        authorizationId: AUTHORIZATION_ID,
        providerReference: pending.providerReference,
        now: new Date(pending.checkAfter),
      });
      expect(settled).toEqual({ status: 'AUTHORIZED', providerReference: pending.providerReference });
    });

    it('derives the reference from the authorization id when settling one it has no reference for', async () => {
      const settled = await sandbox().resolveAuthorization({
        chargeId: CHARGE_ID,
        authorizationId: AUTHORIZATION_ID,
        providerReference: null,
        now: NOW,
      });
      expect(settled).toEqual({ status: 'AUTHORIZED', providerReference: `S01-${AUTHORIZATION_ID.slice(-16)}` });
    });

    it('records a consumer cancellation as BuyerCanceled', () => {
      expect(sandbox().consumerCanceledFailure()).toEqual(SIMULATED_FAILURES.BuyerCanceled);
      expect(CONSUMER_CANCELED).toBe(SIMULATED_FAILURES.BuyerCanceled);
    });
  });

  describe('idempotency: references follow from our operation ids', () => {
    it('gives the same authorization answer to the same request, whatever the amount or charge', async () => {
      const provider = sandbox();
      for (const code of [null, ...SIMULATION_CODES]) {
        const first = await provider.authorize(authorizeRequest(code));
        expect(await provider.authorize(authorizeRequest(code))).toEqual(first);
        expect(
          await sandbox().authorize(authorizeRequest(code, { amount: money(5, 'USD'), chargeId: 'charge_other' })),
        ).toEqual(first);
      }
    });

    it('derives capture and void references from the operation id only', async () => {
      const provider = sandbox();
      const captureId = 'cap_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
      const voidId = 'void_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';

      expect(await provider.capture(operation(captureId))).toEqual({
        providerReference: `S01-C-${captureId.slice(-16)}`,
      });
      expect(await provider.void(operation(voidId))).toEqual({ providerReference: `S01-V-${voidId.slice(-16)}` });

      // Repeated (a retry after a lost answer), with another amount, or from another instance: the same reference.
      expect(await provider.capture(operation(captureId))).toEqual(await provider.capture(operation(captureId)));
      expect(await sandbox().capture(operation(captureId, { amount: money(1, 'USD') }))).toEqual(
        await provider.capture(operation(captureId)),
      );
      expect(await provider.void(operation(voidId, { authorizationReference: null }))).toEqual(
        await provider.void(operation(voidId)),
      );
    });

    it('gives different operations different references, and a capture and a void never share one', async () => {
      const provider = sandbox();
      const a = 'cap_00000000000000000000000000000001';
      const b = 'cap_00000000000000000000000000000002';
      expect((await provider.capture(operation(a))).providerReference).not.toBe(
        (await provider.capture(operation(b))).providerReference,
      );
      expect((await provider.capture(operation(a))).providerReference).not.toBe(
        (await provider.void(operation(a))).providerReference,
      );
    });

    it('for any operation id, the reference is a function of that id', async () => {
      const provider = sandbox();
      await fc.assert(
        fc.asyncProperty(
          fc.stringMatching(/^[0-9a-f]{32}$/),
          fc.integer({ min: 1, max: 10_000 }),
          async (hex, value) => {
            const captureId = `cap_${hex}`;
            const first = await provider.capture(operation(captureId));
            const again = await provider.capture(
              operation(captureId, { amount: money(value, 'USD'), chargeId: 'charge_x' }),
            );
            expect(again).toEqual(first);
            expect(first.providerReference).toBe(`S01-C-${hex.slice(-16)}`);
          },
        ),
      );
    });
  });
});
