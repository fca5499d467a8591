import fc from 'fast-check';
import {
  amountTakenFromCaptured,
  type ChargeFailure,
  PAYMENT_METHOD_CAPABILITIES,
  type RefundEvent,
} from '@payment-ledger/contracts';
import { DomainError, fold } from '@payment-ledger/domain-kernel';
import {
  chargeRefundsDecider,
  type ChargeRefundsState,
  decide,
  initialState,
  refundableAmount,
} from './charge-refunds.decider';
import type { OpenChargeback, RefundableCharge, RefundCommand, RequestRefund } from './refund-commands';
import {
  AmountExceedsRefundable,
  ChargebackAlreadyResolved,
  ChargeNotCaptured,
  RefundNotSupported,
  RefundRequestRejected,
  RefundWindowExpired,
  SandboxOnly,
} from './refund-errors';
import { pendingRefundCalls } from './refund-provider-calls';
import { logTimers, PROVIDER_RETRY_AFTER_MS, refundChecks, timersOf } from './refund-timers';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const SANDBOX = { id: 'mch_1', mode: 'SANDBOX' as const };
const charge = (captured: number, lastCapturedAt: string | null = '2026-02-01T00:00:00.000Z'): RefundableCharge => ({
  chargeId: 'charge_1',
  merchantId: 'mch_1',
  paymentMethod: 'AMAZON_PAY',
  currency: 'USD',
  capturedAmount: captured,
  lastCapturedAt: captured > 0 ? lastCapturedAt : null,
});
const refund = (refundId: string, amount: number | null, captured = 1000): RequestRefund => ({
  type: 'RequestRefund',
  refundId,
  merchant: SANDBOX,
  charge: charge(captured),
  amount,
  reason: null,
  merchantRefundReference: null,
  simulationCode: null,
});
const DECLINE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'refund_declined',
  providerFailureCode: 'RefundDeclined',
  failureMessage: 'declined',
  isRetryable: false,
};

/** Runs commands through decide/evolve as the command loop would, keeping refusals out of the stream. */
function run(commands: RefundCommand[], now = NOW): { state: ChargeRefundsState; events: RefundEvent[] } {
  let state = initialState;
  const events: RefundEvent[] = [];
  for (const command of commands) {
    try {
      const step = decide(command, state, now);
      events.push(...step);
      state = step.reduce(chargeRefundsDecider.evolve, state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
  }
  return { state, events };
}

describe('refund decider', () => {
  it('refunds everything still refundable by default, and then nothing more', () => {
    const { state } = run([refund('refund_a', 300), refund('refund_b', null)]);
    expect(state.refunds.map((r) => [r.id, r.amount, r.status])).toEqual([
      ['refund_a', 300, 'REFUND_PENDING'],
      ['refund_b', 700, 'REFUND_PENDING'],
    ]);
    expect(() => decide(refund('refund_c', 1), state, NOW)).toThrow(AmountExceedsRefundable);
    expect(() => decide(refund('refund_c', null), state, NOW)).toThrow(AmountExceedsRefundable);
  });

  it('says how much is still refundable when it refuses', () => {
    const { state } = run([refund('refund_a', 600)]);
    const refused = (() => {
      try {
        decide(refund('refund_b', 500), state, NOW);
      } catch (error) {
        return error as AmountExceedsRefundable;
      }
    })();
    expect(refused).toBeInstanceOf(AmountExceedsRefundable);
    expect(refused?.refundableAmount).toBe(400);
    expect(refused?.code).toBe('amount_exceeds_refundable');
  });

  it('records a retried request (same refund id) once', () => {
    const { state } = run([refund('refund_a', 300)]);
    expect(decide(refund('refund_a', 300), state, NOW)).toEqual([]);
  });

  it('refuses a charge with nothing captured, and one past the refund window of 6 months after the last capture', () => {
    expect(() => decide(refund('refund_a', 100, 0), initialState, NOW)).toThrow(ChargeNotCaptured);
    const captured = '2025-09-01T12:00:00.000Z';
    const late = { ...refund('refund_a', 100), charge: charge(1000, captured) };
    expect(() => decide(late, initialState, new Date('2026-03-01T12:00:00.000Z'))).toThrow(RefundWindowExpired);
    expect(decide(late, initialState, new Date('2026-03-01T11:59:59.999Z'))).toHaveLength(1);
  });

  it('refuses a zero, negative or fractional amount, and a simulation code for a live merchant', () => {
    for (const amount of [0, -5, 1.5]) {
      expect(() => decide(refund('refund_a', amount), initialState, NOW)).toThrow(RefundRequestRejected);
    }
    const live = { ...refund('refund_a', 100), merchant: { id: 'mch_1', mode: 'LIVE' as const } };
    expect(() => decide({ ...live, simulationCode: 'RefundDeclined' }, initialState, NOW)).toThrow(
      RefundRequestRejected,
    );
  });

  it('releases a failed refund for a new attempt, and records each outcome once', () => {
    const failed = run([
      refund('refund_a', 1000),
      { type: 'RecordRefundOutcome', refundId: 'refund_a', outcome: { status: 'DECLINED', failure: DECLINE } },
    ]);
    expect(failed.state.refunds[0].status).toBe('FAILED');
    expect(refundableAmount(failed.state, charge(1000))).toBe(1000);
    expect(
      decide(
        { type: 'RecordRefundOutcome', refundId: 'refund_a', outcome: { status: 'SUCCEEDED', providerReference: 'r' } },
        failed.state,
        NOW,
      ),
    ).toEqual([]);
  });

  it('a refund the provider settles later: pending once, checked when due, then succeeded', () => {
    const pending = run([
      refund('refund_a', 400),
      {
        type: 'RecordRefundOutcome',
        refundId: 'refund_a',
        outcome: { status: 'PENDING', providerReference: 'P-1', checkAfter: '2026-03-01T12:00:30.000Z' },
      },
    ]);
    expect(pending.events.map((e) => e.type)).toEqual(['RefundRequested', 'RefundPending']);
    expect(timersOf(pending.events)).toEqual([{ kind: 'refund_check', dueAt: '2026-03-01T12:00:30.000Z' }]);
    expect(pendingRefundCalls(pending.state)).toEqual([]);
    expect(refundChecks(pending.state, NOW)).toEqual({ due: [], nextAt: '2026-03-01T12:00:30.000Z' });
    expect(refundChecks(pending.state, new Date('2026-03-01T12:00:30.000Z')).due).toEqual([
      { refundId: 'refund_a', providerReference: 'P-1' },
    ]);
    const again = decide(
      {
        type: 'RecordRefundOutcome',
        refundId: 'refund_a',
        outcome: { status: 'PENDING', providerReference: 'P-1', checkAfter: 'x' },
      },
      pending.state,
      NOW,
    );
    expect(again).toEqual([]);
  });

  it('the log feed sets a retry for each charge with an intent left unanswered in what it read, from its earliest', () => {
    const { events } = run([refund('refund_a', 100), refund('refund_b', 100)]);
    const answered = run([
      refund('refund_a', 100),
      { type: 'RecordRefundOutcome', refundId: 'refund_a', outcome: { status: 'SUCCEEDED', providerReference: 'r' } },
    ]).events;
    const due = new Date(NOW.getTime() + PROVIDER_RETRY_AFTER_MS).toISOString();
    expect(logTimers(events.map((event) => ({ chargeId: 'charge_1', event })))).toEqual([
      { chargeId: 'charge_1', kind: 'provider_retry', dueAt: due },
    ]);
    expect(logTimers(answered.map((event) => ({ chargeId: 'charge_2', event })))).toEqual([]);
  });

  it('an intent without an answer is a pending provider call keyed by the refund id', () => {
    const { state } = run([refund('refund_a', 400)]);
    expect(pendingRefundCalls(state)).toEqual([
      {
        kind: 'refund',
        idempotencyKey: 'refund_a',
        chargeId: 'charge_1',
        refundId: 'refund_a',
        amount: { value: 400, currency: 'USD' },
        simulationCode: null,
        merchantId: 'mch_1',
      },
    ]);
  });

  it('chargebacks take from what is refundable while open or lost, give it back when won, and are sandbox-only', () => {
    const open = run([
      {
        type: 'OpenChargeback',
        chargebackId: 'cb_1',
        merchant: SANDBOX,
        charge: charge(1000),
        amount: 600,
        reason: 'fraud',
      },
    ]);
    expect(refundableAmount(open.state, charge(1000))).toBe(400);
    expect(() => decide(refund('refund_a', 500), open.state, NOW)).toThrow(AmountExceedsRefundable);
    const won = run([
      {
        type: 'OpenChargeback',
        chargebackId: 'cb_1',
        merchant: SANDBOX,
        charge: charge(1000),
        amount: 600,
        reason: 'fraud',
      },
      { type: 'ResolveChargeback', chargebackId: 'cb_1', merchant: SANDBOX, outcome: 'WON' },
    ]);
    expect(refundableAmount(won.state, charge(1000))).toBe(1000);
    expect(
      decide({ type: 'ResolveChargeback', chargebackId: 'cb_1', merchant: SANDBOX, outcome: 'WON' }, won.state, NOW),
    ).toEqual([]);
    expect(() =>
      decide({ type: 'ResolveChargeback', chargebackId: 'cb_1', merchant: SANDBOX, outcome: 'LOST' }, won.state, NOW),
    ).toThrow(ChargebackAlreadyResolved);
    expect(() =>
      decide(
        {
          type: 'OpenChargeback',
          chargebackId: 'cb_2',
          merchant: { id: 'mch_1', mode: 'LIVE' },
          charge: charge(1000),
          amount: 1,
          reason: 'x',
        },
        initialState,
        NOW,
      ),
    ).toThrow(SandboxOnly);
  });

  it('a live merchant cannot resolve a chargeback either (the sandbox simulates them)', () => {
    const open = run([
      {
        type: 'OpenChargeback',
        chargebackId: 'cb_1',
        merchant: SANDBOX,
        charge: charge(1000),
        amount: 10,
        reason: 'x',
      },
    ]);
    const live = { id: 'mch_1', mode: 'LIVE' as const };
    expect(() =>
      decide({ type: 'ResolveChargeback', chargebackId: 'cb_1', merchant: live, outcome: 'LOST' }, open.state, NOW),
    ).toThrow(SandboxOnly);
  });

  it('refuses a chargeback on a fully refunded charge, as the provider would', () => {
    const { state } = run([
      refund('refund_a', 1000),
      { type: 'RecordRefundOutcome', refundId: 'refund_a', outcome: { status: 'SUCCEEDED', providerReference: 'r' } },
    ]);
    expect(() =>
      decide(
        {
          type: 'OpenChargeback',
          chargebackId: 'cb_1',
          merchant: SANDBOX,
          charge: charge(1000),
          amount: 1,
          reason: 'x',
        },
        state,
        NOW,
      ),
    ).toThrow(AmountExceedsRefundable);
  });
});

describe('refund decider properties', () => {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
  const command = (captured: fc.Arbitrary<number>): fc.Arbitrary<RefundCommand> =>
    fc.oneof(
      fc
        .record({ id: fc.constantFrom(...ids), amount: fc.option(fc.integer({ min: -10, max: 1500 })), captured })
        .map(({ id, amount, captured: c }) => refund(`refund_${id}`, amount, c)),
      fc
        .record({
          id: fc.constantFrom(...ids),
          outcome: fc.constantFrom<'SUCCEEDED' | 'DECLINED' | 'PENDING'>('SUCCEEDED', 'DECLINED', 'PENDING'),
        })
        .map(({ id, outcome }) => ({
          type: 'RecordRefundOutcome' as const,
          refundId: `refund_${id}`,
          outcome:
            outcome === 'SUCCEEDED'
              ? { status: 'SUCCEEDED' as const, providerReference: `p_${id}` }
              : outcome === 'DECLINED'
                ? { status: 'DECLINED' as const, failure: DECLINE }
                : { status: 'PENDING' as const, providerReference: `p_${id}`, checkAfter: NOW.toISOString() },
        })),
      fc
        .record({ id: fc.constantFrom(...ids), amount: fc.integer({ min: 1, max: 1500 }), captured })
        .map(({ id, amount, captured: c }) => ({
          type: 'OpenChargeback' as const,
          chargebackId: `cb_${id}`,
          merchant: SANDBOX,
          charge: charge(c),
          amount,
          reason: 'fraud',
        })),
      fc
        .record({ id: fc.constantFrom(...ids), outcome: fc.constantFrom<'WON' | 'LOST'>('WON', 'LOST') })
        .map(({ id, outcome }) => ({
          type: 'ResolveChargeback' as const,
          chargebackId: `cb_${id}`,
          merchant: SANDBOX,
          outcome,
        })),
    );

  it('random captures, refunds, outcomes and chargebacks never take more than was captured', () => {
    // A step either captures more (captures only grow) or runs a command decided with the charge as captured so far.
    const step = fc.oneof(
      fc.integer({ min: 1, max: 400 }).map((amount) => ({ capture: amount })),
      command(fc.constant(0)).map((c) => ({ command: c })),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        let state = initialState;
        let captured = 0;
        const events: RefundEvent[] = [];
        for (const s of steps) {
          if ('capture' in s) {
            captured += s.capture;
            continue;
          }
          const c = 'charge' in s.command ? { ...s.command, charge: charge(captured) } : s.command;
          try {
            const decided = decide(c, state, NOW);
            events.push(...decided);
            state = decided.reduce(chargeRefundsDecider.evolve, state);
          } catch (error) {
            if (!(error instanceof DomainError)) throw error;
          }
          expect(amountTakenFromCaptured(state)).toBeLessThanOrEqual(captured);
          expect(refundableAmount(state, { capturedAmount: captured })).toBe(captured - amountTakenFromCaptured(state));
        }
        // The stream folds back to the same state (what the loop and every reader of the log see).
        expect(fold(chargeRefundsDecider, events)).toEqual(state);
      }),
      { numRuns: 500 },
    );
  });

  it('refunds decided concurrently on stale states lose the version race instead of over-refunding', () => {
    // Two requests decided on the same state: the loop appends the first, and the second is decided again on the new
    // state (the version check), where it must fit too.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), (a, b) => {
        const first = fold(chargeRefundsDecider, decide(refund('refund_a', a), initialState, NOW));
        try {
          const second = decide(refund('refund_b', b), first, NOW).reduce(chargeRefundsDecider.evolve, first);
          expect(amountTakenFromCaptured(second)).toBeLessThanOrEqual(1000);
          expect(a + b).toBeLessThanOrEqual(1000);
        } catch (error) {
          expect(error).toBeInstanceOf(AmountExceedsRefundable);
          expect(a + b).toBeGreaterThan(1000);
        }
      }),
    );
  });
});

describe('refund decider: what each refusal says, and the capability table', () => {
  const chargeback = (overrides: Partial<OpenChargeback> = {}): OpenChargeback => ({
    type: 'OpenChargeback',
    chargebackId: 'cb_1',
    merchant: SANDBOX,
    charge: charge(1000),
    amount: 100,
    reason: 'fraud',
    ...overrides,
  });
  const refused = (act: () => unknown): DomainError => {
    try {
      act();
    } catch (error) {
      if (error instanceof DomainError) return error;
      throw error;
    }
    throw new Error('expected a DomainError');
  };
  /** Runs `act` with AMAZON_PAY's capabilities changed, restoring them after. */
  function withCapabilities(change: (c: (typeof PAYMENT_METHOD_CAPABILITIES)['AMAZON_PAY']) => void, act: () => void) {
    const capabilities = PAYMENT_METHOD_CAPABILITIES.AMAZON_PAY;
    const saved = { refunds: { ...capabilities.refunds }, chargebacks: capabilities.chargebacks };
    try {
      change(capabilities);
      act();
    } finally {
      Object.assign(capabilities.refunds, saved.refunds);
      (capabilities as { chargebacks: boolean }).chargebacks = saved.chargebacks;
    }
  }

  it.each<[string, () => unknown, string, string | undefined]>([
    [
      'a simulation code for a live merchant',
      () =>
        decide(
          { ...refund('r', 10), merchant: { id: 'mch_1', mode: 'LIVE' }, simulationCode: 'RefundDeclined' },
          initialState,
          NOW,
        ),
      'simulation codes are accepted only in sandbox',
      'sandbox',
    ],
    [
      'a refund of zero',
      () => decide(refund('r', 0), initialState, NOW),
      'amount must be a positive integer of minor units',
      'amount',
    ],
    [
      'a chargeback of zero',
      () => decide(chargeback({ amount: 0 }), initialState, NOW),
      'amount must be a positive integer of minor units',
      'amount',
    ],
    [
      'a live chargeback',
      () => decide(chargeback({ merchant: { id: 'mch_1', mode: 'LIVE' } }), initialState, NOW),
      'chargebacks are simulated only in sandbox',
      undefined,
    ],
    [
      'a live resolution',
      () =>
        decide(
          { type: 'ResolveChargeback', chargebackId: 'cb_1', merchant: { id: 'mch_1', mode: 'LIVE' }, outcome: 'WON' },
          initialState,
          NOW,
        ),
      'chargebacks are simulated only in sandbox',
      undefined,
    ],
  ])('%s', (_name, act, message, field) => {
    const error = refused(act);
    expect(error.message).toBe(message);
    expect(error.field).toBe(field);
  });

  it('refuses a chargeback of a charge with nothing captured, and one of a fraction', () => {
    expect(refused(() => decide(chargeback({ charge: charge(0) }), initialState, NOW))).toBeInstanceOf(
      ChargeNotCaptured,
    );
    for (const amount of [0.5, -1, Number.NaN]) {
      expect(refused(() => decide(chargeback({ amount }), initialState, NOW))).toBeInstanceOf(RefundRequestRejected);
    }
    expect(decide(chargeback({ amount: 1000 }), initialState, NOW)).toHaveLength(1);
  });

  it('a method that takes one refund per charge: a second is refused unless the first failed', () => {
    withCapabilities(
      (c) => (c.refunds.multiple = false),
      () => {
        const first = run([refund('refund_a', 300)]);
        const error = refused(() => decide(refund('refund_b', 300), first.state, NOW));
        expect(error).toBeInstanceOf(RefundNotSupported);
        expect(error).toMatchObject({
          code: 'refund_not_supported',
          message: 'AMAZON_PAY takes one refund per charge',
        });
        const failedFirst = run([
          refund('refund_a', 300),
          { type: 'RecordRefundOutcome', refundId: 'refund_a', outcome: { status: 'DECLINED', failure: DECLINE } },
        ]);
        expect(decide(refund('refund_b', 300), failedFirst.state, NOW)).toHaveLength(1);
      },
    );
  });

  it('a method that refunds only the whole captured amount: a part is refused, the whole is taken', () => {
    withCapabilities(
      (c) => (c.refunds.partial = false),
      () => {
        const error = refused(() => decide(refund('refund_a', 999), initialState, NOW));
        expect(error).toMatchObject({
          code: 'refund_not_supported',
          message: 'AMAZON_PAY refunds only the whole captured amount',
        });
        expect(decide(refund('refund_a', 1000), initialState, NOW)).toHaveLength(1);
        expect(decide(refund('refund_a', null), initialState, NOW)).toHaveLength(1);
      },
    );
  });

  it('a method without chargebacks refuses them', () => {
    withCapabilities(
      (c) => ((c as { chargebacks: boolean }).chargebacks = false),
      () => {
        const error = refused(() => decide(chargeback(), initialState, NOW));
        expect(error).toMatchObject({ code: 'refund_not_supported', message: 'AMAZON_PAY has no chargebacks' });
      },
    );
    expect(decide(chargeback(), initialState, NOW)).toHaveLength(1);
  });
});

describe('refund decider: each refund and chargeback by its own id', () => {
  const chargeback = (chargebackId: string, amount: number): OpenChargeback => ({
    type: 'OpenChargeback',
    chargebackId,
    merchant: SANDBOX,
    charge: charge(1000),
    amount,
    reason: 'fraud',
  });

  it('records the answer for the refund it names, with two pending', () => {
    const { state } = run([refund('refund_a', 300), refund('refund_b', 200)]);
    const outcome = { status: 'SUCCEEDED' as const, providerReference: 'ref_b' };
    expect(decide({ type: 'RecordRefundOutcome', refundId: 'refund_b', outcome }, state, NOW)).toEqual([
      {
        type: 'RefundSucceeded',
        data: { at: NOW.toISOString(), refundId: 'refund_b', amount: 200, providerReference: 'ref_b' },
      },
    ]);
  });

  it('resolves the chargeback it names, with two open', () => {
    const { state } = run([chargeback('cb_1', 100), chargeback('cb_2', 200)]);
    expect(
      decide({ type: 'ResolveChargeback', chargebackId: 'cb_2', merchant: SANDBOX, outcome: 'LOST' }, state, NOW),
    ).toEqual([
      {
        type: 'ChargebackResolved',
        data: { at: NOW.toISOString(), chargebackId: 'cb_2', amount: 200, outcome: 'LOST' },
      },
    ]);
  });

  it('opens a chargeback id once: the same id again decides nothing, another id opens another', () => {
    const { state } = run([chargeback('cb_1', 100)]);
    expect(decide(chargeback('cb_1', 100), state, NOW)).toEqual([]);
    expect(decide(chargeback('cb_2', 100), state, NOW)).toMatchObject([
      { type: 'ChargebackOpened', data: { chargebackId: 'cb_2' } },
    ]);
  });

  it('takes a simulation code from a sandbox merchant and a live refund without one', () => {
    expect(decide({ ...refund('r', 10), simulationCode: 'RefundDeclined' }, initialState, NOW)).toHaveLength(1);
    expect(decide({ ...refund('r', 10), merchant: { id: 'mch_1', mode: 'LIVE' } }, initialState, NOW)).toHaveLength(1);
  });

  it('refuses a refund of a charge with an amount but no capture time, or a capture time but no amount', () => {
    const withoutTime = { ...refund('r', 10), charge: { ...charge(1000), lastCapturedAt: null } };
    const withoutAmount = {
      ...refund('r', null),
      charge: { ...charge(0), lastCapturedAt: '2026-02-01T00:00:00.000Z' },
    };
    expect(() => decide(withoutTime, initialState, NOW)).toThrow(ChargeNotCaptured);
    expect(() => decide(withoutAmount, initialState, NOW)).toThrow(ChargeNotCaptured);
  });
});

describe('refund decider: the codes of request refusals', () => {
  it('names simulation_not_allowed and invalid_amount', () => {
    const live = {
      ...refund('r', 10),
      merchant: { id: 'mch_1', mode: 'LIVE' as const },
      simulationCode: 'RefundDeclined' as const,
    };
    expect(() => decide(live, initialState, NOW)).toThrow(expect.objectContaining({ code: 'simulation_not_allowed' }));
    expect(() => decide(refund('r', 0), initialState, NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_amount' }),
    );
    const chargeback: OpenChargeback = {
      type: 'OpenChargeback',
      chargebackId: 'cb_1',
      merchant: SANDBOX,
      charge: charge(1000),
      amount: 0,
      reason: 'fraud',
    };
    expect(() => decide(chargeback, initialState, NOW)).toThrow(expect.objectContaining({ code: 'invalid_amount' }));
  });
});
