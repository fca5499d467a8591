/**
 * What the sandbox provider does with its records, whichever records keep them: run by the unit spec against the
 * in-memory records and by the integration spec against PostgreSQL, so both answer alike.
 */
import { randomUUID } from 'node:crypto';
import { money, newId, SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';
import type { AuthorizeRequest, OperationRequest, RefundRequest } from '../payment-method-provider';
import {
  ProviderIdempotencyConflict,
  ProviderObjectNotFound,
  ProviderOperationRefused,
  ProviderUnavailable,
} from '../provider-errors';
import { AmazonPaySandboxProvider } from './amazon-pay-sandbox.provider';
import type { SandboxProviderRecords } from './sandbox-provider-records';
import { SIMULATED_FAILURES, SIMULATED_REFUND_FAILURES } from './simulation-outcomes';

export const NOW = new Date('2026-03-02T09:00:00.000Z');
export const DELAY_MS = 45_000;
/** Not DELAY_MS: a delayed refund waits for its own delay. */
export const REFUND_DELAY_MS = 20_000;
export const PROVIDER_CLOCK = new Date('2026-03-02T09:05:00.000Z');

export interface RecordCounts {
  charges: number;
  operations: number;
  refunds: number;
  keys: number;
}

export interface BehaviourHarness {
  records(): SandboxProviderRecords;
  counts(): Promise<RecordCounts>;
}

export function sandboxWith(records: SandboxProviderRecords): AmazonPaySandboxProvider {
  return new AmazonPaySandboxProvider(
    {
      hostedPageBaseUrl: 'http://127.0.0.1:3002',
      signingSecret: 'test-signing-secret',
      linkTtlMs: 30 * 60_000,
      asyncAuthorizationDelayMs: DELAY_MS,
      asyncRefundDelayMs: REFUND_DELAY_MS,
      clock: { now: () => PROVIDER_CLOCK },
    },
    records,
  );
}

export const key = (): string => `idem_${randomUUID()}`;

export function authorizeRequest(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    idempotencyKey: key(),
    chargeId: newId('charge'),
    authorizationId: newId('authorization'),
    amount: money(1000, 'USD'),
    simulationCode: null,
    captureNow: null,
    now: NOW,
    ...overrides,
  };
}

export function operationRequest(
  authorizationReference: string,
  overrides: Partial<OperationRequest> = {},
): OperationRequest {
  return {
    idempotencyKey: key(),
    chargeId: 'charge_0195a1b2c3d47e8f9a0b1c2d3e4f5a6b',
    operationId: newId('capture'),
    authorizationReference,
    amount: money(1000, 'USD'),
    ...overrides,
  };
}

export function refundRequest(chargeId: string, overrides: Partial<RefundRequest> = {}): RefundRequest {
  const refundId = newId('refund');
  return {
    idempotencyKey: refundId,
    chargeId,
    refundId,
    amount: money(1000, 'USD'),
    simulationCode: null,
    now: NOW,
    ...overrides,
  };
}

const after = (ms: number) => new Date(NOW.getTime() + ms);

/** Expects the promise to be refused with ProviderOperationRefused of this code. */
export async function expectRefused(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderOperationRefused);
  expect((error as ProviderOperationRefused).code).toBe(code);
}

export function describeSandboxBehaviour(harness: BehaviourHarness): void {
  let sandbox: AmazonPaySandboxProvider;
  beforeEach(() => {
    sandbox = sandboxWith(harness.records());
  });

  async function authorized(overrides: Partial<AuthorizeRequest> = {}): Promise<string> {
    const outcome = await sandbox.authorize(authorizeRequest(overrides));
    if (outcome.status !== 'AUTHORIZED') throw new Error(`expected AUTHORIZED, got ${outcome.status}`);
    return outcome.providerReference;
  }

  async function pending(overrides: Partial<AuthorizeRequest> = {}) {
    const outcome = await sandbox.authorize(
      authorizeRequest({ simulationCode: 'AuthorizationInitiated', ...overrides }),
    );
    if (outcome.status !== 'PENDING') throw new Error(`expected PENDING, got ${outcome.status}`);
    return outcome;
  }

  describe('authorize (Create Charge)', () => {
    it('authorizes when there is no simulation code, and keeps the authorization', async () => {
      const request = authorizeRequest();
      const outcome = await sandbox.authorize(request);
      expect(outcome).toEqual({
        status: 'AUTHORIZED',
        providerReference: expect.stringMatching(/^S01-A-/),
        capture: null,
      });
      if (outcome.status !== 'AUTHORIZED') return;
      expect(await sandbox.get('authorization', outcome.providerReference)).toEqual({
        type: 'authorization',
        providerReference: outcome.providerReference,
        chargeId: request.chargeId,
        operationId: request.authorizationId,
        amount: money(1000, 'USD'),
        state: 'Authorized',
        authorizationReference: null,
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
    });

    it('with captureNow, captures the whole amount in the same call', async () => {
      const captureId = newId('capture');
      const request = authorizeRequest({ captureNow: { captureId } });
      const outcome = await sandbox.authorize(request);
      if (outcome.status !== 'AUTHORIZED' || outcome.capture === null) throw new Error('expected a capture');
      expect(outcome.capture.providerReference).toMatch(/^S01-C-/);
      expect(await sandbox.get('authorization', outcome.providerReference)).toMatchObject({ state: 'Captured' });
      expect(await sandbox.get('capture', outcome.capture.providerReference)).toEqual({
        type: 'capture',
        providerReference: outcome.capture.providerReference,
        chargeId: request.chargeId,
        operationId: captureId,
        amount: money(1000, 'USD'),
        state: 'Captured',
        authorizationReference: outcome.providerReference,
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
      await expectRefused(sandbox.capture(operationRequest(outcome.providerReference)), 'amount_exceeds_capturable');
    });

    it.each(Object.keys(SIMULATED_FAILURES) as Array<Exclude<SimulationCode, 'AuthorizationInitiated'>>)(
      'declines with simulation code %s as SIMULATED_FAILURES says, and keeps the declined authorization',
      async (code) => {
        const outcome = await sandbox.authorize(
          authorizeRequest({ simulationCode: code, captureNow: { captureId: 'cap_x' } }),
        );
        expect(outcome).toEqual({
          status: 'DECLINED',
          failure: SIMULATED_FAILURES[code],
          providerReference: expect.stringMatching(/^S01-A-/),
        });
        if (outcome.status !== 'DECLINED' || !outcome.providerReference) return;
        expect(await sandbox.get('authorization', outcome.providerReference)).toMatchObject({ state: 'Declined' });
        expect(
          await sandbox.getAuthorization({ providerReference: outcome.providerReference, now: after(DELAY_MS) }),
        ).toEqual(outcome);
        await expectRefused(sandbox.capture(operationRequest(outcome.providerReference)), 'authorization_declined');
        await expectRefused(sandbox.void(operationRequest(outcome.providerReference)), 'authorization_declined');
      },
    );

    it('answers AuthorizationInitiated with PENDING until checkAfter (the request clock plus the delay)', async () => {
      const outcome = await pending();
      expect(outcome).toEqual({
        status: 'PENDING',
        providerReference: expect.stringMatching(/^S01-A-/),
        checkAfter: after(DELAY_MS).toISOString(),
      });
      const early = await sandbox.getAuthorization({
        providerReference: outcome.providerReference,
        now: after(DELAY_MS - 1),
      });
      expect(early).toEqual(outcome);
      expect(await sandbox.get('authorization', outcome.providerReference)).toMatchObject({
        state: 'AuthorizationInitiated',
      });
      await expectRefused(sandbox.capture(operationRequest(outcome.providerReference)), 'authorization_pending');
      await expectRefused(sandbox.void(operationRequest(outcome.providerReference)), 'authorization_pending');
    });

    it('settles a pending authorization as AUTHORIZED once checkAfter has passed, and keeps it so', async () => {
      const { providerReference, checkAfter } = await pending();
      const settled = await sandbox.getAuthorization({ providerReference, now: new Date(checkAfter) });
      expect(settled).toEqual({ status: 'AUTHORIZED', providerReference, capture: null });
      expect(await sandbox.getAuthorization({ providerReference, now: after(10 * DELAY_MS) })).toEqual(settled);
      expect(await sandbox.get('authorization', providerReference)).toMatchObject({
        state: 'Authorized',
        updatedAt: checkAfter,
      });
      expect(await sandbox.capture(operationRequest(providerReference))).toEqual({
        providerReference: expect.stringMatching(/^S01-C-/),
      });
    });

    it('settles a pending authorization made with captureNow as captured, and answers with that capture', async () => {
      const before = await harness.counts();
      const captureId = newId('capture');
      const { providerReference, checkAfter } = await pending({ captureNow: { captureId } });
      const settled = await sandbox.getAuthorization({ providerReference, now: after(DELAY_MS + 5) });
      if (settled.status !== 'AUTHORIZED' || settled.capture === null) throw new Error('expected a capture');
      expect(await sandbox.getAuthorization({ providerReference, now: after(DELAY_MS + 10) })).toEqual(settled);
      expect(await sandbox.get('authorization', providerReference)).toMatchObject({ state: 'Captured' });
      expect(await sandbox.get('capture', settled.capture.providerReference)).toMatchObject({
        operationId: captureId,
        state: 'Captured',
        amount: money(1000, 'USD'),
        authorizationReference: providerReference,
        createdAt: after(DELAY_MS + 5).toISOString(),
      });
      expect(Date.parse(checkAfter)).toBe(after(DELAY_MS).getTime());
      expect(await harness.counts()).toEqual({
        ...before,
        charges: before.charges + 1,
        operations: before.operations + 1,
        keys: before.keys + 1,
      });
    });

    it('knows no authorization it did not make', async () => {
      await expect(sandbox.getAuthorization({ providerReference: 'S01-A-nope', now: NOW })).rejects.toBeInstanceOf(
        ProviderObjectNotFound,
      );
      expect(await sandbox.get('authorization', 'S01-A-nope')).toBeNull();
    });
  });

  describe('idempotency keys', () => {
    it('answers a replayed authorize with the first answer and records nothing more', async () => {
      for (const simulationCode of [null, ...SIMULATION_CODES]) {
        const request = authorizeRequest({ simulationCode, captureNow: { captureId: newId('capture') } });
        const first = await sandbox.authorize(request);
        const before = await harness.counts();
        // A retry comes later: another `now` is the same request.
        expect(await sandbox.authorize({ ...request, now: after(60_000) })).toEqual(first);
        expect(await sandboxWith(harness.records()).authorize(request)).toEqual(first);
        expect(await harness.counts()).toEqual(before);
      }
    });

    it('refuses the same key with another request', async () => {
      const request = authorizeRequest();
      const first = await sandbox.authorize(request);
      const before = await harness.counts();
      for (const other of [
        { ...request, amount: money(999, 'USD') },
        { ...request, simulationCode: 'Declined' as const },
        { ...request, captureNow: { captureId: 'cap_1' } },
        { ...request, authorizationId: newId('authorization') },
      ]) {
        await expect(sandbox.authorize(other)).rejects.toBeInstanceOf(ProviderIdempotencyConflict);
      }
      if (first.status !== 'AUTHORIZED') throw new Error('expected AUTHORIZED');
      const asCapture = operationRequest(first.providerReference, { idempotencyKey: request.idempotencyKey });
      await expect(sandbox.capture(asCapture)).rejects.toMatchObject({
        code: 'provider_idempotency_conflict',
        firstOperation: 'authorize',
      });
      expect(await harness.counts()).toEqual(before);
    });

    it('answers a replayed capture or void with the first answer, capturing once', async () => {
      const reference = await authorized();
      const capture = operationRequest(reference, { amount: money(400, 'USD') });
      const first = await sandbox.capture(capture);
      const before = await harness.counts();
      expect(await sandbox.capture(capture)).toEqual(first);
      expect(await harness.counts()).toEqual(before);
      // Captured once: 600 remain.
      const voided = operationRequest(reference, { operationId: newId('void') });
      const voidAnswer = await sandbox.void(voided);
      expect(await sandbox.void(voided)).toEqual(voidAnswer);
      expect(await sandbox.get('void', voidAnswer.providerReference)).toMatchObject({ amount: money(600, 'USD') });
      await expect(sandbox.void({ ...voided, operationId: newId('void') })).rejects.toBeInstanceOf(
        ProviderIdempotencyConflict,
      );
      await expect(sandbox.capture(voided)).rejects.toBeInstanceOf(ProviderIdempotencyConflict);
    });

    it('keeps no key for a refused call: the same request may be made again once allowed', async () => {
      const { providerReference, checkAfter } = await pending();
      const capture = operationRequest(providerReference);
      await expectRefused(sandbox.capture(capture), 'authorization_pending');
      await sandbox.getAuthorization({ providerReference, now: new Date(checkAfter) });
      expect(await sandbox.capture(capture)).toEqual({ providerReference: expect.stringMatching(/^S01-C-/) });
    });
  });

  describe('captures and voids', () => {
    it('captures in parts up to the authorized amount, and refuses any more', async () => {
      const reference = await authorized();
      const first = await sandbox.capture(operationRequest(reference, { amount: money(700, 'USD') }));
      await expectRefused(
        sandbox.capture(operationRequest(reference, { amount: money(301, 'USD') })),
        'amount_exceeds_capturable',
      );
      expect(await sandbox.get('authorization', reference)).toMatchObject({ state: 'Authorized' });
      const second = await sandbox.capture(operationRequest(reference, { amount: money(300, 'USD') }));
      expect(second.providerReference).not.toBe(first.providerReference);
      expect(await sandbox.get('authorization', reference)).toMatchObject({
        state: 'Captured',
        updatedAt: PROVIDER_CLOCK.toISOString(),
      });
      expect(await sandbox.get('capture', second.providerReference)).toMatchObject({
        amount: money(300, 'USD'),
        authorizationReference: reference,
        createdAt: PROVIDER_CLOCK.toISOString(),
      });
      await expectRefused(
        sandbox.capture(operationRequest(reference, { amount: money(1, 'USD') })),
        'amount_exceeds_capturable',
      );
      await expectRefused(sandbox.void(operationRequest(reference)), 'authorization_fully_captured');
    });

    it('refuses a capture in another currency, of nothing, or of an authorization it does not have', async () => {
      const reference = await authorized();
      await expectRefused(
        sandbox.capture(operationRequest(reference, { amount: money(10, 'EUR') })),
        'currency_mismatch',
      );
      await expectRefused(sandbox.capture(operationRequest(reference, { amount: money(0, 'USD') })), 'invalid_amount');
      await expectRefused(sandbox.capture(operationRequest('S01-A-unknown')), 'authorization_not_found');
      await expectRefused(sandbox.void(operationRequest('S01-A-unknown')), 'authorization_not_found');
    });

    it('voids an authorization, releasing what is not captured; nothing can be captured or voided after', async () => {
      const reference = await authorized();
      await sandbox.capture(operationRequest(reference, { amount: money(250, 'USD') }));
      const voidId = newId('void');
      const { providerReference } = await sandbox.void(operationRequest(reference, { operationId: voidId }));
      expect(providerReference).toMatch(/^S01-V-/);
      expect(await sandbox.get('void', providerReference)).toMatchObject({
        type: 'void',
        operationId: voidId,
        amount: money(750, 'USD'),
        state: 'Canceled',
        authorizationReference: reference,
      });
      expect(await sandbox.get('authorization', reference)).toMatchObject({ state: 'Canceled' });
      await expectRefused(
        sandbox.capture(operationRequest(reference, { amount: money(1, 'USD') })),
        'authorization_canceled',
      );
      await expectRefused(sandbox.void(operationRequest(reference)), 'authorization_canceled');
    });

    it('answers get for the right type of object only', async () => {
      const reference = await authorized();
      const { providerReference } = await sandbox.void(operationRequest(reference));
      expect(await sandbox.get('capture', providerReference)).toBeNull();
      expect(await sandbox.get('authorization', providerReference)).toBeNull();
      expect(await sandbox.get('void', reference)).toBeNull();
    });
  });

  describe('refunds (Create Refund, Get Refund)', () => {
    /** A charge with `amount` captured (authorized with captureNow): its id. */
    async function capturedCharge(amount = 1000): Promise<string> {
      const request = authorizeRequest({ amount: money(amount, 'USD'), captureNow: { captureId: newId('capture') } });
      await authorized(request);
      return request.chargeId;
    }

    it('refunds at once when there is no simulation code, and keeps the refund', async () => {
      const chargeId = await capturedCharge();
      const request = refundRequest(chargeId, { amount: money(400, 'USD') });
      const outcome = await sandbox.refund(request);
      expect(outcome).toEqual({ status: 'SUCCEEDED', providerReference: expect.stringMatching(/^S01-R-/) });
      expect(await sandbox.get('refund', outcome.providerReference!)).toEqual({
        type: 'refund',
        providerReference: outcome.providerReference,
        chargeId,
        operationId: request.refundId,
        amount: money(400, 'USD'),
        state: 'Refunded',
        authorizationReference: null,
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
      });
      expect(await sandbox.getRefund({ providerReference: outcome.providerReference!, now: after(1) })).toEqual(
        outcome,
      );
    });

    it('declines with RefundDeclined, keeps the declined refund, and takes nothing from the books', async () => {
      const chargeId = await capturedCharge();
      const outcome = await sandbox.refund(refundRequest(chargeId, { simulationCode: 'RefundDeclined' }));
      expect(outcome).toEqual({
        status: 'DECLINED',
        failure: {
          failureType: 'PROVIDER_DECLINE',
          failureCode: 'refund_declined',
          providerFailureCode: 'RefundDeclined',
          failureMessage: expect.any(String),
          isRetryable: false,
        },
        providerReference: expect.stringMatching(/^S01-R-/),
      });
      expect(outcome.status === 'DECLINED' && outcome.failure).toEqual(SIMULATED_REFUND_FAILURES.RefundDeclined);
      const reference = outcome.providerReference!;
      expect(await sandbox.get('refund', reference)).toMatchObject({ state: 'Declined' });
      expect(await sandbox.getRefund({ providerReference: reference, now: after(10 * REFUND_DELAY_MS) })).toEqual(
        outcome,
      );
      // The whole captured amount is still refundable.
      expect(await sandbox.refund(refundRequest(chargeId))).toMatchObject({ status: 'SUCCEEDED' });
    });

    it('keeps a RefundDelayed refund PENDING until checkAfter (request clock plus the refund delay), then settles it', async () => {
      const chargeId = await capturedCharge();
      const outcome = await sandbox.refund(
        refundRequest(chargeId, { amount: money(600, 'USD'), simulationCode: 'RefundDelayed' }),
      );
      expect(outcome).toEqual({
        status: 'PENDING',
        providerReference: expect.stringMatching(/^S01-R-/),
        checkAfter: after(REFUND_DELAY_MS).toISOString(),
      });
      if (outcome.status !== 'PENDING') return;
      const { providerReference, checkAfter } = outcome;
      expect(await sandbox.getRefund({ providerReference, now: after(REFUND_DELAY_MS - 1) })).toEqual(outcome);
      expect(await sandbox.get('refund', providerReference)).toMatchObject({ state: 'RefundInitiated' });
      // A pending refund is taken from the books: 400 are left.
      await expectRefused(
        sandbox.refund(refundRequest(chargeId, { amount: money(401, 'USD') })),
        'amount_exceeds_refundable',
      );

      const settled = await sandbox.getRefund({ providerReference, now: new Date(checkAfter) });
      expect(settled).toEqual({ status: 'SUCCEEDED', providerReference });
      expect(await sandbox.getRefund({ providerReference, now: after(DELAY_MS) })).toEqual(settled);
      expect(await sandbox.get('refund', providerReference)).toMatchObject({
        state: 'Refunded',
        updatedAt: checkAfter,
      });
      expect(await sandbox.refund(refundRequest(chargeId, { amount: money(400, 'USD') }))).toMatchObject({
        status: 'SUCCEEDED',
      });
    });

    it('answers a replayed refund with the first answer and records one refund', async () => {
      for (const simulationCode of [null, 'RefundDeclined', 'RefundDelayed'] as const) {
        const chargeId = await capturedCharge();
        const request = refundRequest(chargeId, { amount: money(700, 'USD'), simulationCode });
        const first = await sandbox.refund(request);
        const before = await harness.counts();
        // A retry comes later: another `now` is the same request; and another replica's provider answers alike.
        expect(await sandbox.refund({ ...request, now: after(2 * REFUND_DELAY_MS) })).toEqual(first);
        expect(await sandboxWith(harness.records()).refund(request)).toEqual(first);
        expect(await harness.counts()).toEqual(before);
      }
    });

    it('refuses the same key with another request', async () => {
      const chargeId = await capturedCharge();
      const request = refundRequest(chargeId, { amount: money(100, 'USD') });
      await sandbox.refund(request);
      const before = await harness.counts();
      for (const other of [
        { ...request, amount: money(99, 'USD') },
        { ...request, simulationCode: 'RefundDelayed' as const },
        { ...request, refundId: newId('refund') },
        { ...request, chargeId: await capturedCharge() },
      ]) {
        await expect(sandbox.refund(other)).rejects.toBeInstanceOf(ProviderIdempotencyConflict);
      }
      const reference = await authorized();
      await expect(
        sandbox.capture(operationRequest(reference, { idempotencyKey: request.idempotencyKey })),
      ).rejects.toMatchObject({ code: 'provider_idempotency_conflict', firstOperation: 'refund' });
      expect(await harness.counts()).toEqual({
        ...before,
        charges: before.charges + 2,
        operations: before.operations + 1,
        keys: before.keys + 2,
      });
    });

    it('refunds in parts up to what it captured for the charge, and refuses any more (keeping no key)', async () => {
      const request = authorizeRequest();
      const reference = await authorized(request);
      await sandbox.capture(operationRequest(reference, { chargeId: request.chargeId, amount: money(300, 'USD') }));
      await sandbox.capture(operationRequest(reference, { chargeId: request.chargeId, amount: money(200, 'USD') }));
      const refund = (value: number) => refundRequest(request.chargeId, { amount: money(value, 'USD') });

      expect(await sandbox.refund(refund(300))).toMatchObject({ status: 'SUCCEEDED' });
      const tooMuch = refund(201);
      const before = await harness.counts();
      const refused = await sandbox.refund(tooMuch).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ProviderOperationRefused);
      expect(refused).toMatchObject({
        code: 'amount_exceeds_refundable',
        operation: 'refund',
        reference: request.chargeId,
        retryable: false,
      });
      expect((refused as Error).message).toContain('500 USD captured, 300 refunded');
      expect(await harness.counts()).toEqual(before);
      expect(await sandbox.refund(refund(200))).toMatchObject({ status: 'SUCCEEDED' });
      await expectRefused(sandbox.refund(refund(1)), 'amount_exceeds_refundable');

      // The refused request, made again once more is captured, is done: its key was not used up.
      await sandbox.capture(operationRequest(reference, { chargeId: request.chargeId, amount: money(500, 'USD') }));
      expect(await sandbox.refund(tooMuch)).toMatchObject({ status: 'SUCCEEDED' });
    });

    it('refuses a refund of a charge with nothing captured, in another currency, or of nothing', async () => {
      const request = authorizeRequest();
      await authorized(request);
      await expectRefused(sandbox.refund(refundRequest(request.chargeId)), 'charge_not_captured');
      await expectRefused(sandbox.refund(refundRequest(newId('charge'))), 'charge_not_captured');
      const chargeId = await capturedCharge();
      await expectRefused(sandbox.refund(refundRequest(chargeId, { amount: money(10, 'EUR') })), 'currency_mismatch');
      await expectRefused(sandbox.refund(refundRequest(chargeId, { amount: money(0, 'USD') })), 'invalid_amount');
    });

    it('20 refunds of 100 at once on a charge of 1000 captured: exactly 10 done, the rest refused', async () => {
      const chargeId = await capturedCharge();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => sandbox.refund(refundRequest(chargeId, { amount: money(100, 'USD') }))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      for (const r of results.filter((r) => r.status === 'rejected')) {
        expect(r.reason).toMatchObject({ code: 'amount_exceeds_refundable' });
      }
    });

    it('knows no refund it did not make, and answers get for refunds only', async () => {
      await expect(sandbox.getRefund({ providerReference: 'S01-R-nope', now: NOW })).rejects.toBeInstanceOf(
        ProviderObjectNotFound,
      );
      expect(await sandbox.get('refund', 'S01-R-nope')).toBeNull();
      const { providerReference } = (await sandbox.refund(refundRequest(await capturedCharge()))) as {
        providerReference: string;
      };
      expect(await sandbox.get('capture', providerReference)).toBeNull();
      expect(await sandbox.get('authorization', providerReference)).toBeNull();
    });

    it('loseNextAnswers: a refund whose answer was lost is done once; the retry with its key gets the answer', async () => {
      const chargeId = await capturedCharge();
      const request = refundRequest(chargeId);
      const before = await harness.counts();
      sandbox.loseNextAnswers(1, ['refund']);
      await expect(sandbox.refund(request)).rejects.toBeInstanceOf(ProviderUnavailable);
      expect(await harness.counts()).toEqual({ ...before, refunds: before.refunds + 1, keys: before.keys + 1 });
      expect(await sandbox.refund(request)).toMatchObject({ status: 'SUCCEEDED' });
      expect(await harness.counts()).toEqual({ ...before, refunds: before.refunds + 1, keys: before.keys + 1 });
    });
  });

  describe('simulated faults', () => {
    it('loseNextAnswers: the call is done and recorded, the answer lost; the retry with its key gets it', async () => {
      const request = authorizeRequest({ captureNow: { captureId: newId('capture') } });
      const before = await harness.counts();
      sandbox.loseNextAnswers(1);
      await expect(sandbox.authorize(request)).rejects.toBeInstanceOf(ProviderUnavailable);
      const recorded = await harness.counts();
      expect(recorded).toEqual({
        ...before,
        charges: before.charges + 1,
        operations: before.operations + 1,
        keys: before.keys + 1,
      });
      const outcome = await sandbox.authorize(request);
      expect(outcome).toMatchObject({ status: 'AUTHORIZED', capture: { providerReference: expect.any(String) } });
      expect(await harness.counts()).toEqual(recorded);
    });

    it('loseNextAnswers counts only the calls it names', async () => {
      const reference = await authorized();
      sandbox.loseNextAnswers(2, ['capture']);
      const capture = operationRequest(reference, { amount: money(100, 'USD') });
      expect(await sandbox.authorize(authorizeRequest())).toMatchObject({ status: 'AUTHORIZED' });
      await expect(sandbox.capture(capture)).rejects.toMatchObject({ code: 'provider_unavailable', retryable: true });
      await expect(sandbox.capture(capture)).rejects.toBeInstanceOf(ProviderUnavailable);
      const answer = await sandbox.capture(capture);
      expect(await sandbox.get('capture', answer.providerReference)).toMatchObject({ amount: money(100, 'USD') });
      // Captured once in all: 900 remain.
      await expectRefused(
        sandbox.capture(operationRequest(reference, { amount: money(901, 'USD') })),
        'amount_exceeds_capturable',
      );
    });

    it('failNextCalls: the call fails before anything is done', async () => {
      const before = await harness.counts();
      sandbox.failNextCalls(1, ['authorize']);
      await expect(sandbox.authorize(authorizeRequest())).rejects.toBeInstanceOf(ProviderUnavailable);
      expect(await harness.counts()).toEqual(before);
    });
  });
}
