import fc from 'fast-check';
import { money, SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';
import type { AuthorizeRequest } from '../payment-method-provider';
import {
  applyOperation,
  authorizeFingerprint,
  capturable,
  openCharge,
  operationFingerprint,
  outcomeOf,
  refusalOf,
  type SandboxCharge,
  settleIfDue,
} from './sandbox-charge';
import { SIMULATED_FAILURES } from './simulation-outcomes';

const NOW = new Date('2026-03-02T09:00:00.000Z');
const REFS = { authorization: 'S01-A-1', capture: 'S01-C-1' };
const request = (overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest => ({
  idempotencyKey: 'k1',
  chargeId: 'charge_1',
  authorizationId: 'auth_1',
  amount: money(1000, 'USD'),
  simulationCode: null,
  captureNow: null,
  now: NOW,
  ...overrides,
});
const open = (overrides: Partial<AuthorizeRequest> = {}) => openCharge(request(overrides), REFS, 30_000);

describe('the sandbox Charge', () => {
  describe('outcome selection (Create Charge)', () => {
    it('authorizes without a simulation code, and captures at once with captureNow', () => {
      expect(open().charge).toMatchObject({ state: 'Authorized', capturedAmount: 0, captureNow: null });
      expect(open().capture).toBeNull();
      const { charge, capture } = open({ captureNow: { captureId: 'cap_1' } });
      expect(charge).toMatchObject({ state: 'Captured', capturedAmount: 1000 });
      expect(capture).toMatchObject({ type: 'capture', operationId: 'cap_1', providerReference: 'S01-C-1' });
      expect(outcomeOf(charge)).toEqual({
        status: 'AUTHORIZED',
        providerReference: 'S01-A-1',
        capture: { providerReference: 'S01-C-1' },
      });
    });

    it('leaves AuthorizationInitiated pending until the request clock plus the delay', () => {
      const { charge, capture } = open({ simulationCode: 'AuthorizationInitiated', captureNow: { captureId: 'c' } });
      expect(capture).toBeNull();
      expect(outcomeOf(charge)).toEqual({
        status: 'PENDING',
        providerReference: 'S01-A-1',
        checkAfter: '2026-03-02T09:00:30.000Z',
      });
    });

    it.each(SIMULATION_CODES.filter((c) => c !== 'AuthorizationInitiated'))(
      'declines %s, capturing nothing',
      (code) => {
        const { charge, capture } = open({ simulationCode: code, captureNow: { captureId: 'c' } });
        expect(capture).toBeNull();
        expect(outcomeOf(charge)).toEqual({
          status: 'DECLINED',
          providerReference: 'S01-A-1',
          failure: SIMULATED_FAILURES[code as Exclude<SimulationCode, 'AuthorizationInitiated'>],
        });
      },
    );
  });

  describe('settling (Get Charge)', () => {
    const pending = open({ simulationCode: 'AuthorizationInitiated', captureNow: { captureId: 'cap_1' } }).charge;

    it('does nothing before its time, or to a charge that is not pending', () => {
      expect(settleIfDue(pending, new Date('2026-03-02T09:00:29.999Z'))).toBeNull();
      expect(settleIfDue(open().charge, new Date('2030-01-01'))).toBeNull();
    });

    it('settles as authorized, captured with captureNow, at the time asked', () => {
      const at = new Date('2026-03-02T09:01:00.000Z');
      const settled = settleIfDue(pending, at);
      expect(settled?.charge).toMatchObject({ state: 'Captured', capturedAmount: 1000, updatedAt: at.toISOString() });
      expect(settled?.capture).toMatchObject({ operationId: 'cap_1', createdAt: at.toISOString() });
      const plain = open({ simulationCode: 'AuthorizationInitiated' }).charge;
      expect(settleIfDue(plain, at)).toEqual({
        charge: expect.objectContaining({ state: 'Authorized', capturedAmount: 0 }),
        capture: null,
      });
    });
  });

  describe('captures and voids', () => {
    const authorized = open().charge;
    const op = (type: 'capture' | 'void', value: number) => ({
      type,
      providerReference: 'S01-X',
      operationId: 'op',
      amount: money(value, 'USD'),
      at: NOW.toISOString(),
    });

    it('refuses what a provider refuses', () => {
      const declined = open({ simulationCode: 'Declined' }).charge;
      const pending = open({ simulationCode: 'AuthorizationInitiated' }).charge;
      expect(refusalOf('capture', null, money(1, 'USD'))).toBe('authorization_not_found');
      expect(refusalOf('capture', declined, money(1, 'USD'))).toBe('authorization_declined');
      expect(refusalOf('capture', pending, money(1, 'USD'))).toBe('authorization_pending');
      expect(refusalOf('void', pending, money(1, 'USD'))).toBe('authorization_pending');
      expect(refusalOf('capture', authorized, money(1001, 'USD'))).toBe('amount_exceeds_capturable');
      expect(refusalOf('capture', authorized, money(1, 'EUR'))).toBe('currency_mismatch');
      expect(refusalOf('capture', authorized, money(0, 'USD'))).toBe('invalid_amount');
      expect(refusalOf('capture', authorized, money(1000, 'USD'))).toBeNull();
      const captured = applyOperation(authorized, op('capture', 1000)).charge;
      expect(refusalOf('void', captured, money(1000, 'USD'))).toBe('authorization_fully_captured');
      const voided = applyOperation(authorized, op('void', 1000)).charge;
      expect(refusalOf('capture', voided, money(1, 'USD'))).toBe('authorization_canceled');
      expect(refusalOf('void', voided, money(1, 'USD'))).toBe('authorization_canceled');
    });

    it('never captures more than authorized, nor anything after a void, whatever the sequence', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.constantFrom<'capture' | 'void'>('capture', 'void'), fc.integer({ min: 0, max: 700 }))),
          (operations) => {
            let charge: SandboxCharge = authorized;
            let capturedByOperations = 0;
            for (const [type, value] of operations) {
              if (refusalOf(type, charge, money(value, 'USD')) !== null) continue;
              const applied = applyOperation(charge, op(type, value));
              if (type === 'capture') capturedByOperations += applied.operation.amount.value;
              expect(applied.operation.amount.value).toBe(type === 'capture' ? value : capturable(charge));
              charge = applied.charge;
            }
            expect(charge.capturedAmount).toBe(capturedByOperations);
            expect(charge.capturedAmount + charge.canceledAmount).toBeLessThanOrEqual(charge.amount.value);
            expect(capturable(charge)).toBeGreaterThanOrEqual(0);
            if (charge.state === 'Canceled') expect(capturable(charge)).toBe(0);
            if (charge.state === 'Captured') expect(charge.capturedAmount).toBe(1000);
          },
        ),
      );
    });
  });

  describe('fingerprints', () => {
    it('ignore the key and the clock, and tell any other difference', () => {
      const base = request();
      expect(authorizeFingerprint({ ...base, idempotencyKey: 'k2', now: new Date() })).toBe(authorizeFingerprint(base));
      for (const other of [
        { ...base, amount: money(1001, 'USD') },
        { ...base, amount: money(1000, 'EUR') },
        { ...base, chargeId: 'charge_2' },
        { ...base, authorizationId: 'auth_2' },
        { ...base, simulationCode: 'Declined' as const },
        { ...base, captureNow: { captureId: 'cap_1' } },
      ]) {
        expect(authorizeFingerprint(other)).not.toBe(authorizeFingerprint(base));
      }
      const capture = {
        idempotencyKey: 'k',
        chargeId: 'c',
        operationId: 'o',
        authorizationReference: 'r',
        amount: money(1, 'USD'),
      };
      expect(operationFingerprint('capture', capture)).not.toBe(operationFingerprint('void', capture));
      expect(operationFingerprint('capture', { ...capture, idempotencyKey: 'x' })).toBe(
        operationFingerprint('capture', capture),
      );
    });
  });
});
