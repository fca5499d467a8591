import fc from 'fast-check';
import { SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';
import { describeSandboxBehaviour } from './amazon-pay-sandbox.behaviour.spec-support';
import { AmazonPaySandboxProvider, type AmazonPaySandboxOptions } from './amazon-pay-sandbox.provider';
import { InMemorySandboxProviderRecords } from './in-memory-sandbox-provider-records';
import { CONSUMER_CANCELED, SIMULATED_FAILURES } from './simulation-outcomes';

const CHARGE_ID = 'charge_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';

const OPTIONS: AmazonPaySandboxOptions = {
  hostedPageBaseUrl: 'http://127.0.0.1:3002',
  signingSecret: 'test-signing-secret',
  asyncAuthorizationDelayMs: 45_000,
};
const sandbox = (options: Partial<AmazonPaySandboxOptions> = {}) =>
  new AmazonPaySandboxProvider({ ...OPTIONS, ...options }, new InMemorySandboxProviderRecords());

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

    it('records a consumer cancellation as BuyerCanceled', () => {
      expect(sandbox().consumerCanceledFailure()).toEqual(SIMULATED_FAILURES.BuyerCanceled);
      expect(CONSUMER_CANCELED).toBe(SIMULATED_FAILURES.BuyerCanceled);
    });
  });

  describe('with its records in memory', () => {
    let records = new InMemorySandboxProviderRecords();
    beforeEach(() => {
      records = new InMemorySandboxProviderRecords();
    });
    describeSandboxBehaviour({ records: () => records, counts: async () => records.counts() });
  });
});
