import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { ManualClock } from '@payment-ledger/platform';
import {
  money,
  newId,
  REFUND_SIMULATION_CODES,
  SIMULATION_CODES,
  type SimulationCode,
} from '@payment-ledger/contracts';
import { describeSandboxBehaviour } from './amazon-pay-sandbox.behaviour.spec-support';
import { AmazonPaySandboxProvider, type AmazonPaySandboxOptions } from './amazon-pay-sandbox.provider';
import { InMemorySandboxProviderRecords } from './in-memory-sandbox-provider-records';
import { CONSUMER_CANCELED, SIMULATED_FAILURES, SIMULATED_REFUND_FAILURES } from './simulation-outcomes';

const CHARGE_ID = 'charge_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
const MERCHANT_ID = 'merchant_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
const AGREEMENT_ID = 'agr_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b';
const CHARGE = { chargeId: CHARGE_ID, merchantId: MERCHANT_ID };
const TTL_MS = 30 * 60_000;

const OPTIONS: AmazonPaySandboxOptions = {
  hostedPageBaseUrl: 'http://127.0.0.1:3002',
  signingSecret: 'test-signing-secret',
  linkTtlMs: TTL_MS,
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

/** The same token with one character of its signature changed (one that carries signature bits only). */
function tamper(token: string): string {
  const at = token.indexOf('.') + 1;
  return token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
}

describe('AmazonPaySandboxProvider', () => {
  it('is the AMAZON_PAY provider', () => {
    expect(sandbox().paymentMethod).toBe('AMAZON_PAY');
  });

  describe('redirect to the hosted page', () => {
    let clock: ManualClock;
    let provider: AmazonPaySandboxProvider;
    beforeEach(() => {
      clock = new ManualClock(new Date('2026-03-01T12:00:00.000Z'));
      provider = sandbox({ clock });
    });
    const chargeToken = () => tokenOf(provider.createRedirect(CHARGE).requestUrl);

    it('sends the consumer by GET to the hosted checkout page of the charge, with a signed token and its expiry', () => {
      const { requestUrl, requestMethod } = provider.createRedirect(CHARGE);

      expect(requestMethod).toBe('GET');
      const url = new URL(requestUrl);
      expect(url.origin).toBe('http://127.0.0.1:3002');
      expect(url.pathname).toBe(`/amazon-pay/checkout/${CHARGE_ID}`);
      // Expiry in Unix seconds, then HMAC-SHA256 in base64url: safe in a URL as is.
      const expires = Date.parse('2026-03-01T12:30:00.000Z') / 1000;
      expect(tokenOf(requestUrl)).toMatch(new RegExp(`^${expires}\\.[A-Za-z0-9_-]{43}$`));
    });

    it('does not double the slash when the base URL ends with one', () => {
      const { requestUrl } = sandbox({ hostedPageBaseUrl: 'https://sandbox.test/pay//' }).createRedirect(CHARGE);
      expect(requestUrl.startsWith(`https://sandbox.test/pay/amazon-pay/checkout/${CHARGE_ID}?token=`)).toBe(true);
    });

    it('accepts the token of its own redirect until it expires, and not from then on', () => {
      const token = chargeToken();
      expect(provider.checkRedirectToken(CHARGE, token)).toBe('valid');
      clock.advanceBy(TTL_MS - 1_000);
      expect(provider.checkRedirectToken(CHARGE, token)).toBe('valid');
      clock.advanceBy(1_000);
      expect(provider.checkRedirectToken(CHARGE, token)).toBe('expired');
      clock.advanceBy(24 * 3_600_000);
      expect(provider.checkRedirectToken(CHARGE, token)).toBe('expired');
    });

    it('gives each link its TTL from when it is made (SANDBOX_LINK_TTL_MS)', () => {
      const short = sandbox({ clock, linkTtlMs: 10 * 60_000 });
      const token = tokenOf(short.createRedirect(CHARGE).requestUrl);
      clock.advanceBy(10 * 60_000);
      expect(short.checkRedirectToken(CHARGE, token)).toBe('expired');
      expect(provider.checkRedirectToken(CHARGE, chargeToken())).toBe('valid');
    });

    it('accepts a token made by another instance with the same secret (no state of its own)', () => {
      expect(sandbox({ clock }).checkRedirectToken(CHARGE, chargeToken())).toBe('valid');
    });

    it('refuses a tampered token, and a tampered expiry', () => {
      const token = chargeToken();
      const [expires, signature] = token.split('.');
      for (const forged of [
        tamper(token),
        token.slice(0, -1),
        `${token}A`,
        '',
        `${Number(expires) + 3600}.${signature}`,
        `${Number(expires) - 1}.${signature}`,
        signature,
        `.${signature}`,
        `${expires}.`,
      ]) {
        expect([forged, provider.checkRedirectToken(CHARGE, forged)]).toEqual([forged, 'invalid']);
      }
    });

    it('refuses another spelling of the same signature (the spare bits of its last character set)', () => {
      const token = chargeToken();
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token.at(-1) ?? '');
      // 32 bytes in 43 characters: the last one carries 4 bits of the signature and 2 spare ones.
      const respelled = token.slice(0, -1) + alphabet[last ^ 1];
      expect(Buffer.from(respelled.split('.')[1], 'base64url')).toEqual(Buffer.from(token.split('.')[1], 'base64url'));
      expect(provider.checkRedirectToken(CHARGE, respelled)).toBe('invalid');
    });

    it('refuses a forged token even once expired: only a genuine link learns that it expired', () => {
      const forged = tamper(chargeToken());
      clock.advanceBy(TTL_MS * 2);
      expect(provider.checkRedirectToken(CHARGE, forged)).toBe('invalid');
    });

    it('refuses an old link without an expiry (an HMAC of the charge id alone)', () => {
      const old = createHmac('sha256', OPTIONS.signingSecret).update(CHARGE_ID).digest('base64url');
      expect(provider.checkRedirectToken(CHARGE, old)).toBe('invalid');
    });

    it('refuses the token of another charge, and of the same charge id under another merchant', () => {
      const other = tokenOf(provider.createRedirect({ ...CHARGE, chargeId: 'charge_other' }).requestUrl);
      expect(provider.checkRedirectToken(CHARGE, other)).toBe('invalid');
      const otherMerchant = tokenOf(provider.createRedirect({ ...CHARGE, merchantId: 'merchant_other' }).requestUrl);
      expect(provider.checkRedirectToken(CHARGE, otherMerchant)).toBe('invalid');
    });

    it("refuses a charge's token on the agreement page of the same id, and the other way round", () => {
      const agreement = { agreementId: AGREEMENT_ID, merchantId: MERCHANT_ID };
      const agreementToken = tokenOf(provider.createAgreementRedirect(agreement).requestUrl);
      expect(provider.checkAgreementRedirectToken(agreement, agreementToken)).toBe('valid');
      expect(provider.checkRedirectToken({ chargeId: AGREEMENT_ID, merchantId: MERCHANT_ID }, agreementToken)).toBe(
        'invalid',
      );
      const chargeAsAgreement = tokenOf(
        provider.createRedirect({ chargeId: AGREEMENT_ID, merchantId: MERCHANT_ID }).requestUrl,
      );
      expect(provider.checkAgreementRedirectToken(agreement, chargeAsAgreement)).toBe('invalid');
    });

    it('expires agreement links too', () => {
      const agreement = { agreementId: AGREEMENT_ID, merchantId: MERCHANT_ID };
      const token = tokenOf(provider.createAgreementRedirect(agreement).requestUrl);
      clock.advanceBy(TTL_MS);
      expect(provider.checkAgreementRedirectToken(agreement, token)).toBe('expired');
    });

    it('refuses a token signed with another secret', () => {
      const foreign = tokenOf(sandbox({ clock, signingSecret: 'another-secret' }).createRedirect(CHARGE).requestUrl);
      expect(provider.checkRedirectToken(CHARGE, foreign)).toBe('invalid');
    });

    it('for any two charge ids, a token opens its own charge only', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (chargeId, otherId) => {
          const own = { chargeId: encodeURIComponent(chargeId), merchantId: MERCHANT_ID };
          const token = tokenOf(provider.createRedirect(own).requestUrl);
          expect(provider.checkRedirectToken(own, token)).toBe('valid');
          if (otherId !== chargeId) {
            expect(provider.checkRedirectToken({ ...own, chargeId: encodeURIComponent(otherId) }, token)).toBe(
              'invalid',
            );
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

    it('documents a failure for every refund simulation code except the delayed RefundDelayed', () => {
      expect(Object.keys(SIMULATED_REFUND_FAILURES)).toEqual(
        REFUND_SIMULATION_CODES.filter((code) => code !== 'RefundDelayed'),
      );
      expect(SIMULATED_REFUND_FAILURES.RefundDeclined).toMatchObject({
        failureType: 'PROVIDER_DECLINE',
        failureCode: 'refund_declined',
        providerFailureCode: 'RefundDeclined',
        isRetryable: false,
      });
    });

    it('keeps a RefundDelayed refund pending for the authorization delay when no refund delay is set', async () => {
      const provider = sandbox();
      const now = new Date('2026-03-01T12:00:00.000Z');
      const chargeId = newId('charge');
      await provider.authorize({
        idempotencyKey: newId('authorization'),
        chargeId,
        authorizationId: newId('authorization'),
        amount: money(100, 'USD'),
        simulationCode: null,
        captureNow: { captureId: newId('capture') },
        now,
      });
      const refundId = newId('refund');
      const outcome = await provider.refund({
        idempotencyKey: refundId,
        chargeId,
        refundId,
        amount: money(100, 'USD'),
        simulationCode: 'RefundDelayed',
        now,
      });
      expect(outcome).toMatchObject({ status: 'PENDING', checkAfter: '2026-03-01T12:00:45.000Z' });
    });

    it('records a consumer cancellation as BuyerCanceled', () => {
      expect(sandbox().consumerCanceledFailure()).toEqual(SIMULATED_FAILURES.BuyerCanceled);
      expect(CONSUMER_CANCELED).toBe(SIMULATED_FAILURES.BuyerCanceled);
    });
  });

  describe('chargebacks', () => {
    const now = new Date('2026-03-01T12:00:00.000Z');
    async function capturedCharge(provider: AmazonPaySandboxProvider, chargeId = newId('charge')): Promise<string> {
      const authorizationId = newId('authorization');
      await provider.authorize({
        idempotencyKey: authorizationId,
        chargeId,
        authorizationId,
        amount: money(1000, 'USD'),
        simulationCode: null,
        captureNow: { captureId: newId('capture') },
        now,
      });
      return chargeId;
    }
    const raise = (provider: AmazonPaySandboxProvider, chargeId: string, value: number, merchantId?: string) =>
      provider.raiseChargeback({
        chargeId,
        chargebackId: newId('chargeback'),
        amount: money(value, 'USD'),
        reason: 'fraud',
        now,
        merchantId,
      });

    it('raises one OPEN, once per chargebackId, and answers it to Get Chargeback', async () => {
      const provider = sandbox();
      const chargeId = await capturedCharge(provider);
      const request = { chargeId, chargebackId: newId('chargeback'), amount: money(400, 'USD'), reason: 'fraud', now };
      const raised = await provider.raiseChargeback(request);
      expect(raised).toMatchObject({ chargeId, state: 'OPEN', amount: money(400, 'USD') });
      expect(await provider.raiseChargeback(request)).toEqual(raised);
      expect(await provider.getChargeback({ providerReference: raised.providerReference })).toEqual(raised);
      await expect(provider.getChargeback({ providerReference: 'S01-B-none' })).rejects.toMatchObject({
        code: 'provider_object_not_found',
      });
    });

    it('refuses one beyond the captures less refunds not declined and chargebacks open or lost', async () => {
      const provider = sandbox();
      const chargeId = await capturedCharge(provider);
      const refundId = newId('refund');
      await provider.refund({
        idempotencyKey: refundId,
        chargeId,
        refundId,
        amount: money(300, 'USD'),
        simulationCode: null,
        now,
      });
      await expect(raise(provider, chargeId, 701)).rejects.toMatchObject({ code: 'amount_exceeds_refundable' });
      const lost = await raise(provider, chargeId, 400);
      await provider.resolveChargeback({ chargebackId: lost.chargebackId, outcome: 'LOST', now });
      await expect(raise(provider, chargeId, 301)).rejects.toMatchObject({ code: 'amount_exceeds_refundable' });
      await expect(raise(provider, newId('charge'), 1)).rejects.toMatchObject({ code: 'charge_not_captured' });
    });

    it('decides a chargeback once; WON gives its amount back', async () => {
      const provider = sandbox();
      const chargeId = await capturedCharge(provider);
      const won = await raise(provider, chargeId, 1000);
      const decided = await provider.resolveChargeback({ chargebackId: won.chargebackId, outcome: 'WON', now });
      expect(decided.state).toBe('WON');
      expect(await provider.resolveChargeback({ chargebackId: won.chargebackId, outcome: 'WON', now })).toEqual(
        decided,
      );
      await expect(
        provider.resolveChargeback({ chargebackId: won.chargebackId, outcome: 'LOST', now }),
      ).rejects.toMatchObject({ code: 'chargeback_already_resolved' });
      await expect(raise(provider, chargeId, 1000)).resolves.toMatchObject({ state: 'OPEN' });
      await expect(
        provider.resolveChargeback({ chargebackId: newId('chargeback'), outcome: 'WON', now }),
      ).rejects.toMatchObject({ code: 'provider_object_not_found' });
    });

    it('announces a chargeback opened and resolved (not a repeat) with an IPN naming its merchant', async () => {
      const notify = jest.fn();
      const provider = sandbox({ notifier: { notify } });
      const chargeId = await capturedCharge(provider);
      const request = { chargeId, chargebackId: newId('chargeback'), amount: money(100, 'USD'), reason: 'fraud', now };
      const raised = await provider.raiseChargeback({ ...request, merchantId: MERCHANT_ID });
      await provider.raiseChargeback({ ...request, merchantId: MERCHANT_ID });
      const resolve = { chargebackId: request.chargebackId, outcome: 'LOST' as const, now, merchantId: MERCHANT_ID };
      await provider.resolveChargeback(resolve);
      await provider.resolveChargeback(resolve);
      const notice = {
        merchantId: MERCHANT_ID,
        objectType: 'CHARGEBACK',
        objectId: raised.providerReference,
        chargePermissionId: chargeId,
      };
      expect(notify.mock.calls).toEqual([
        [{ ...notice, notificationType: 'CHARGEBACK_OPENED' }],
        [{ ...notice, notificationType: 'CHARGEBACK_RESOLVED' }],
      ]);
      // No merchant named: nothing to announce.
      await raise(provider, chargeId, 100);
      expect(notify).toHaveBeenCalledTimes(2);
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
