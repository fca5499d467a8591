import fc from 'fast-check';
import {
  BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS,
  type BillingPeriodChargeRequested,
  type BillingScheduleEvent,
  type ChargeFailure,
} from '@payment-ledger/contracts';
import { duePeriods, periodStart, type ScheduleTerms } from './billing-periods';
import {
  awaitingOutcome,
  billingScheduleDecider,
  billingScheduleStreamId,
  type ChargeOutcome,
  decide,
  DEFAULT_RETRY_DELAYS_DAYS,
  evolve,
  type ExistingSchedule,
  exists,
  initialState,
  nextWakeUp,
  type RecordChargeOutcome,
  type ScheduleCommand,
  type ScheduleState,
  type StartSchedule,
} from './billing-schedule.decider';

// ---------------------------------------------------------------------------------------------------------------
// Fixed clock and builders
// ---------------------------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Period 0 of the daily fixture schedule; period n starts n days later (fixed UTC offset: no DST). */
const START = new Date('2026-03-02T09:00:00.000Z');
const after = (ms: number, from: Date = START): Date => new Date(from.getTime() + ms);
const iso = (date: Date): string => date.toISOString();
const dayOf = (n: number): Date => after(n * DAY);

const CHARGE_ID = /^charge_[0-9a-f]{32}$/;
/** The most periods one RunDueBilling requests (a long-stopped clock catches up in steps). */
const MAX_PERIODS_PER_TICK = 100;

const DAILY: ScheduleTerms = { startDate: iso(START), endDate: null, frequency: { type: 'DAILY', interval: 1 } };

function startSchedule(overrides: Partial<StartSchedule> = {}): StartSchedule {
  return {
    type: 'StartSchedule',
    agreementId: 'agr_1',
    merchantId: 'mch_1',
    terms: DAILY,
    amount: { value: 1000, currency: 'USD' },
    retryDelaysDays: DEFAULT_RETRY_DELAYS_DAYS,
    firstPeriodIndex: 0,
    simulationCode: null,
    ...overrides,
  };
}

const SOFT_DECLINE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'soft_declined',
  providerFailureCode: 'SoftDeclined',
  failureMessage: 'Declined; a later attempt may succeed',
  isRetryable: true,
};
const HARD_DECLINE: ChargeFailure = {
  failureType: 'PROVIDER_DECLINE',
  failureCode: 'hard_declined',
  providerFailureCode: 'HardDeclined',
  failureMessage: 'The payment method cannot be charged',
  isRetryable: false,
};
const CAPTURED: ChargeOutcome = { status: 'CAPTURED' };
const RETRYABLE: ChargeOutcome = { status: 'DECLINED', failure: SOFT_DECLINE };
const HARD: ChargeOutcome = { status: 'DECLINED', failure: HARD_DECLINE };

const runDue: ScheduleCommand = { type: 'RunDueBilling' };
const outcome = (chargeId: string, result: ChargeOutcome): RecordChargeOutcome => ({
  type: 'RecordChargeOutcome',
  chargeId,
  outcome: result,
});
const stop: ScheduleCommand = { type: 'StopSchedule', reason: 'AGREEMENT_REVOKED' };

// ---------------------------------------------------------------------------------------------------------------
// Running commands
// ---------------------------------------------------------------------------------------------------------------

interface Run {
  state: ScheduleState;
  events: BillingScheduleEvent[];
}
const EMPTY: Run = { state: initialState, events: [] };

function given(steps: Array<[ScheduleCommand, Date]>, start: Run = EMPTY): Run {
  return steps.reduce<Run>(({ state, events }, [command, now]) => {
    const emitted = decide(command, state, now);
    return { state: emitted.reduce(evolve, state), events: [...events, ...emitted] };
  }, start);
}

/** One command on top of a run: its new events, and the run with them appended. */
function when(run: Run, command: ScheduleCommand, now: Date): Run & { emitted: BillingScheduleEvent[] } {
  const emitted = decide(command, run.state, now);
  return { emitted, state: emitted.reduce(evolve, run.state), events: [...run.events, ...emitted] };
}

function schedule(state: ScheduleState): ExistingSchedule {
  if (!exists(state)) throw new Error('expected an existing schedule, got NONE');
  return state;
}

const started = (overrides: Partial<StartSchedule> = {}): Run => given([[startSchedule(overrides), after(-HOUR)]]);

const requests = (events: BillingScheduleEvent[]): BillingPeriodChargeRequested['data'][] =>
  events.flatMap((e) => (e.type === 'BillingPeriodChargeRequested' ? [e.data] : []));
const types = (events: BillingScheduleEvent[]): string[] => events.map((e) => e.type);
/** The charge id currently awaited for a period. */
const chargeOf = (run: Run, index: number): string => schedule(run.state).periods[index].chargeId;

/** Period 0 requested at its start and declined `declines` times with a retryable failure, each retry run on time. */
function declinedRepeatedly(declines: number, retryDelaysDays = DEFAULT_RETRY_DELAYS_DAYS): { run: Run; now: Date } {
  let run = given([[runDue, START]], started({ retryDelaysDays, terms: { ...DAILY, endDate: iso(START) } }));
  let now = START;
  for (let i = 0; i < declines && schedule(run.state).periods[0].status !== 'UNPAID'; i++) {
    if (i > 0) {
      const retryAt = new Date(schedule(run.state).periods[0].retryAt ?? NaN);
      now = retryAt;
      run = when(run, runDue, now);
    }
    now = after(HOUR, now);
    run = when(run, outcome(chargeOf(run, 0), RETRYABLE), now);
  }
  return { run, now };
}

// ---------------------------------------------------------------------------------------------------------------
// StartSchedule
// ---------------------------------------------------------------------------------------------------------------

describe('StartSchedule', () => {
  it('starts an ACTIVE schedule at firstPeriodIndex with no period requested yet', () => {
    const at = after(-HOUR);
    const { events, state } = started({ simulationCode: 'SoftDeclined' });
    expect(events).toEqual([
      {
        type: 'BillingScheduleStarted',
        data: {
          agreementId: 'agr_1',
          merchantId: 'mch_1',
          terms: DAILY,
          amount: { value: 1000, currency: 'USD' },
          retryDelaysDays: [1, 3, 7],
          firstPeriodIndex: 0,
          simulationCode: 'SoftDeclined',
          at: iso(at),
        },
      },
    ]);
    expect(schedule(state)).toMatchObject({ status: 'ACTIVE', nextPeriodIndex: 0, periods: {} });
    expect(schedule(started({ firstPeriodIndex: 1 }).state).nextPeriodIndex).toBe(1);
  });

  it('is idempotent: starting an existing schedule again decides nothing', () => {
    const run = given([[runDue, dayOf(2)]], started());
    expect(decide(startSchedule(), run.state, dayOf(3))).toEqual([]);
    expect(decide(startSchedule({ firstPeriodIndex: 5 }), started().state, START)).toEqual([]);
  });

  it('decides nothing for other commands before the schedule exists', () => {
    for (const command of [runDue, stop, outcome('charge_x', CAPTURED)]) {
      expect(decide(command, initialState, START)).toEqual([]);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// RunDueBilling: new periods
// ---------------------------------------------------------------------------------------------------------------

describe('RunDueBilling', () => {
  it('requests nothing before the first period is due', () => {
    expect(decide(runDue, started().state, after(-1))).toEqual([]);
  });

  it('requests period 0 at its start, with a fresh charge id, attempt 0 and its due instant', () => {
    const { emitted, state } = when(started(), runDue, START);
    expect(emitted).toEqual([
      {
        type: 'BillingPeriodChargeRequested',
        data: {
          periodIndex: 0,
          attempt: 0,
          chargeId: expect.stringMatching(CHARGE_ID),
          dueAt: iso(START),
          at: iso(START),
        },
      },
    ]);
    expect(schedule(state).nextPeriodIndex).toBe(1);
    expect(schedule(state).periods[0]).toEqual({
      index: 0,
      status: 'REQUESTED',
      attempt: 0,
      chargeId: requests(emitted)[0].chargeId,
      requestedAt: iso(START),
      retryAt: null,
    });
  });

  it('requests exactly the periods due since nextPeriodIndex, each with its own charge id', () => {
    const now = after(2 * DAY + 12 * HOUR);
    const { emitted } = when(started(), runDue, now);
    const asked = requests(emitted);
    expect(asked.map((r) => [r.periodIndex, r.attempt, r.dueAt, r.at])).toEqual([
      [0, 0, iso(dayOf(0)), iso(now)],
      [1, 0, iso(dayOf(1)), iso(now)],
      [2, 0, iso(dayOf(2)), iso(now)],
    ]);
    expect(new Set(asked.map((r) => r.chargeId)).size).toBe(3);
  });

  it('never requests a period twice across repeated runs at the same or later times', () => {
    let run = when(started(), runDue, dayOf(1));
    expect(decide(runDue, run.state, dayOf(1))).toEqual([]);
    expect(decide(runDue, run.state, after(DAY - 1, dayOf(1)))).toEqual([]);
    run = when(run, runDue, dayOf(3));
    expect(requests(run.emitted).map((r) => r.periodIndex)).toEqual([2, 3]);
    run = when(run, runDue, dayOf(3));
    expect(run.emitted).toEqual([]);
    const indexes = requests(run.events).map((r) => r.periodIndex);
    expect(indexes).toEqual([0, 1, 2, 3]);
    expect(new Set(requests(run.events).map((r) => r.chargeId)).size).toBe(4);
  });

  it('starts at firstPeriodIndex 1 when the initial charge paid period 0', () => {
    const run = started({ firstPeriodIndex: 1 });
    expect(decide(runDue, run.state, START)).toEqual([]);
    const { emitted } = when(run, runDue, dayOf(2));
    expect(requests(emitted).map((r) => r.periodIndex)).toEqual([1, 2]);
  });

  it('stops at endDate: a period starting exactly at it is billed, none after it', () => {
    const run = started({ terms: { ...DAILY, endDate: iso(dayOf(2)) } });
    const first = when(run, runDue, dayOf(30));
    expect(requests(first.emitted).map((r) => r.periodIndex)).toEqual([0, 1, 2]);
    expect(decide(runDue, first.state, dayOf(400))).toEqual([]);
  });

  it('requests MONTHLY periods at their clamped month-end instants', () => {
    const terms: ScheduleTerms = {
      startDate: '2026-01-31T09:00:00Z',
      endDate: null,
      frequency: { type: 'MONTHLY', interval: 1 },
    };
    const { emitted } = when(started({ terms }), runDue, new Date('2026-04-15T00:00:00Z'));
    expect(requests(emitted).map((r) => r.dueAt)).toEqual([
      '2026-01-31T09:00:00.000Z',
      '2026-02-28T09:00:00.000Z',
      '2026-03-31T09:00:00.000Z',
    ]);
  });

  it(`catches a long-stopped clock up at most ${MAX_PERIODS_PER_TICK} periods per run, without skipping any`, () => {
    const now = dayOf(250);
    const first = when(started(), runDue, now);
    expect(requests(first.emitted).map((r) => r.periodIndex)).toEqual([...Array(MAX_PERIODS_PER_TICK).keys()]);
    const second = when(first, runDue, now);
    const third = when(second, runDue, now);
    expect(requests([...second.emitted, ...third.emitted]).map((r) => r.periodIndex)).toEqual(
      Array.from({ length: 151 }, (_, i) => MAX_PERIODS_PER_TICK + i),
    );
    expect(decide(runDue, third.state, now)).toEqual([]);
  });

  it('requests nothing while PAUSED or STOPPED', () => {
    const running = given([[runDue, START]], started());
    const paused = given([[outcome(chargeOf(running, 0), HARD), after(HOUR)]], running);
    expect(schedule(paused.state).status).toBe('PAUSED');
    expect(decide(runDue, paused.state, dayOf(10))).toEqual([]);
    const stopped = given([[stop, after(HOUR)]], running);
    expect(decide(runDue, stopped.state, dayOf(10))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// RecordChargeOutcome and retries (dunning)
// ---------------------------------------------------------------------------------------------------------------

describe('RecordChargeOutcome', () => {
  const requested = (): Run => given([[runDue, START]], started());

  it('marks the period PAID when its charge is captured', () => {
    const run = requested();
    const chargeId = chargeOf(run, 0);
    const { emitted, state } = when(run, outcome(chargeId, CAPTURED), after(MINUTE));
    expect(emitted).toEqual([
      { type: 'BillingPeriodPaid', data: { periodIndex: 0, chargeId, at: iso(after(MINUTE)) } },
    ]);
    expect(schedule(state).periods[0].status).toBe('PAID');
    expect(awaitingOutcome(state)).toEqual([]);
  });

  it('schedules a retry at now + retryDelaysDays[0] days after a retryable decline', () => {
    const run = requested();
    const chargeId = chargeOf(run, 0);
    const now = after(5 * MINUTE);
    const { emitted, state } = when(run, outcome(chargeId, RETRYABLE), now);
    expect(emitted).toEqual([
      {
        type: 'BillingPeriodRetryScheduled',
        data: {
          periodIndex: 0,
          chargeId,
          nextAttempt: 1,
          retryAt: iso(after(DAY, now)),
          failure: SOFT_DECLINE,
          at: iso(now),
        },
      },
    ]);
    expect(schedule(state).periods[0]).toMatchObject({ status: 'RETRY_SCHEDULED', retryAt: iso(after(DAY, now)) });
  });

  it('requests attempt + 1 for the period once its retryAt has come, with a new charge id', () => {
    const { run, now } = declinedRepeatedly(1);
    const retryAt = new Date(schedule(run.state).periods[0].retryAt ?? NaN);
    expect(retryAt).toEqual(after(DAY, now));
    expect(decide(runDue, run.state, after(-1, retryAt))).toEqual([]);
    const { emitted, state } = when(run, runDue, retryAt);
    expect(emitted).toEqual([
      {
        type: 'BillingPeriodChargeRequested',
        data: {
          periodIndex: 0,
          attempt: 1,
          chargeId: expect.stringMatching(CHARGE_ID),
          dueAt: iso(retryAt),
          at: iso(retryAt),
        },
      },
    ]);
    expect(requests(emitted)[0].chargeId).not.toBe(chargeOf(run, 0));
    expect(schedule(state).periods[0]).toMatchObject({ status: 'REQUESTED', attempt: 1, retryAt: null });
    expect(decide(runDue, state, retryAt)).toEqual([]);
  });

  it('waits retryDelaysDays[attempt] days before each further retry', () => {
    for (const [declines, delayDays] of [
      [2, 3],
      [3, 7],
    ]) {
      const { run, now } = declinedRepeatedly(declines);
      const last = run.events.at(-1);
      expect(last).toMatchObject({
        type: 'BillingPeriodRetryScheduled',
        data: { nextAttempt: declines, retryAt: iso(after(delayDays * DAY, now)) },
      });
    }
  });

  it('leaves the period UNPAID when the last retry is declined too, and bills later periods as usual', () => {
    const { run } = declinedRepeatedly(4);
    expect(run.events.at(-1)).toMatchObject({
      type: 'BillingPeriodUnpaid',
      data: { periodIndex: 0, failure: SOFT_DECLINE },
    });
    const attempts = requests(run.events).map((r) => r.attempt);
    expect(attempts).toEqual([0, 1, 2, 3]);
    expect(schedule(run.state).periods[0].status).toBe('UNPAID');
    expect(schedule(run.state).status).toBe('ACTIVE');

    const oneRetry = declinedRepeatedly(4, [1]);
    expect(requests(oneRetry.run.events).map((r) => r.attempt)).toEqual([0, 1]);

    const requested = given([[runDue, START]], started({ retryDelaysDays: [] }));
    const unpaid = given([[outcome(chargeOf(requested, 0), RETRYABLE), after(HOUR)]], requested);
    expect(types(unpaid.events).at(-1)).toBe('BillingPeriodUnpaid');
    expect(requests(decide(runDue, unpaid.state, dayOf(1))).map((r) => [r.periodIndex, r.attempt])).toEqual([[1, 0]]);
  });

  it('gives up at once (UNPAID) when there are no retry delays', () => {
    const { run } = declinedRepeatedly(1, []);
    expect(types(run.events).at(-1)).toBe('BillingPeriodUnpaid');
  });

  it('pauses the schedule (NeedsConsumer) after a decline that is not retryable', () => {
    const run = requested();
    const chargeId = chargeOf(run, 0);
    const { emitted, state } = when(run, outcome(chargeId, HARD), after(MINUTE));
    expect(emitted).toEqual([
      {
        type: 'BillingScheduleNeedsConsumer',
        data: { periodIndex: 0, chargeId, failure: HARD_DECLINE, at: iso(after(MINUTE)) },
      },
    ]);
    expect(schedule(state).status).toBe('PAUSED');
    expect(schedule(state).periods[0].status).toBe('NEEDS_CONSUMER');
  });

  it('ignores duplicate and late outcomes: unknown charge, period no longer REQUESTED, superseded attempt', () => {
    const run = requested();
    const first = chargeOf(run, 0);
    expect(decide(outcome('charge_unknown', CAPTURED), run.state, after(MINUTE))).toEqual([]);

    const paid = given([[outcome(first, CAPTURED), after(MINUTE)]], run);
    for (const result of [CAPTURED, RETRYABLE, HARD]) {
      expect(decide(outcome(first, result), paid.state, after(2 * MINUTE))).toEqual([]);
    }

    const retrying = given([[outcome(first, RETRYABLE), after(MINUTE)]], run);
    expect(decide(outcome(first, RETRYABLE), retrying.state, after(2 * MINUTE))).toEqual([]);
    expect(decide(outcome(first, CAPTURED), retrying.state, after(2 * MINUTE))).toEqual([]);

    const retried = given([[runDue, after(DAY, after(MINUTE))]], retrying);
    expect(chargeOf(retried, 0)).not.toBe(first);
    expect(decide(outcome(first, CAPTURED), retried.state, after(2 * DAY))).toEqual([]);
    expect(types(decide(outcome(chargeOf(retried, 0), CAPTURED), retried.state, after(2 * DAY)))).toEqual([
      'BillingPeriodPaid',
    ]);
  });

  it('settles outstanding charges of a STOPPED schedule without retries or pausing', () => {
    const run = given([[stop, after(MINUTE)]], given([[runDue, dayOf(2)]], started()));
    const [c0, c1, c2] = [0, 1, 2].map((i) => chargeOf(run, i));
    expect(types(decide(outcome(c0, CAPTURED), run.state, after(HOUR)))).toEqual(['BillingPeriodPaid']);
    expect(types(decide(outcome(c1, RETRYABLE), run.state, after(HOUR)))).toEqual(['BillingPeriodUnpaid']);
    expect(types(decide(outcome(c2, HARD), run.state, after(HOUR)))).toEqual(['BillingPeriodUnpaid']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// StopSchedule
// ---------------------------------------------------------------------------------------------------------------

describe('StopSchedule', () => {
  it('stops the schedule with its reason; no more periods or retries are requested', () => {
    const declined = declinedRepeatedly(1).run;
    const { emitted, state } = when(declined, { type: 'StopSchedule', reason: 'AGREEMENT_ENDED' }, after(2 * HOUR));
    expect(emitted).toEqual([
      { type: 'BillingScheduleStopped', data: { reason: 'AGREEMENT_ENDED', at: iso(after(2 * HOUR)) } },
    ]);
    expect(schedule(state).status).toBe('STOPPED');
    expect(decide(runDue, state, dayOf(100))).toEqual([]);
    expect(nextWakeUp(state, after(2 * HOUR))).toBeNull();
  });

  it('is idempotent, and stops a PAUSED schedule too', () => {
    const running = given([[runDue, START]], started());
    const stopped = given([[stop, after(HOUR)]], running);
    expect(decide(stop, stopped.state, after(2 * HOUR))).toEqual([]);
    const paused = given([[outcome(chargeOf(running, 0), HARD), after(HOUR)]], running);
    expect(schedule(when(paused, stop, after(2 * HOUR)).state).status).toBe('STOPPED');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// nextWakeUp and awaitingOutcome
// ---------------------------------------------------------------------------------------------------------------

describe('nextWakeUp', () => {
  it('is null without an ACTIVE schedule', () => {
    expect(nextWakeUp(initialState, START)).toBeNull();
    const running = given([[runDue, START]], started());
    expect(nextWakeUp(given([[stop, after(HOUR)]], running).state, after(HOUR))).toBeNull();
    expect(
      nextWakeUp(given([[outcome(chargeOf(running, 0), HARD), after(HOUR)]], running).state, after(HOUR)),
    ).toBeNull();
  });

  it('is the first period start before billing begins, then the next period start', () => {
    expect(nextWakeUp(started().state, after(-HOUR))).toEqual(START);
    const run = given([[runDue, after(HOUR)]], started());
    expect(nextWakeUp(run.state, after(HOUR))).toEqual(dayOf(1));
  });

  it('is a scheduled retry when it comes before the next period', () => {
    const weekly = given(
      [[runDue, START]],
      started({ terms: { ...DAILY, frequency: { type: 'WEEKLY', interval: 1 } } }),
    );
    const now = after(HOUR);
    const retrying = given([[outcome(chargeOf(weekly, 0), RETRYABLE), now]], weekly);
    expect(nextWakeUp(retrying.state, now)).toEqual(after(DAY, now));
    expect(nextWakeUp(weekly.state, now)).toEqual(dayOf(7));
  });

  it('is the first period a capped run left unrequested (already due)', () => {
    const run = given([[runDue, dayOf(250)]], started());
    expect(nextWakeUp(run.state, dayOf(250))).toEqual(dayOf(MAX_PERIODS_PER_TICK));
  });

  it('is null once every period up to endDate has been requested', () => {
    const run = given([[runDue, dayOf(5)]], started({ terms: { ...DAILY, endDate: iso(dayOf(2)) } }));
    expect(nextWakeUp(run.state, dayOf(5))).toBeNull();
  });

  // Regression: a run capped at MAX_PERIODS_PER_TICK after endDate left due periods unrequested while nextWakeUp
  // returned null, so periods 100.. were never billed.
  it('is the first period a capped run left unrequested, even when endDate has passed', () => {
    const terms = { ...DAILY, endDate: iso(dayOf(199)) };
    const run = given([[runDue, dayOf(250)]], started({ terms }));
    expect(schedule(run.state).nextPeriodIndex).toBe(MAX_PERIODS_PER_TICK);
    expect(nextWakeUp(run.state, dayOf(250))).toEqual(dayOf(MAX_PERIODS_PER_TICK));
  });

  // Regression: with firstPeriodIndex 1 (period 0 paid by the initial charge) nextWakeUp named period 0's start.
  it('is the start of period firstPeriodIndex, not of a period before it', () => {
    const run = started({ firstPeriodIndex: 1 });
    expect(nextWakeUp(run.state, after(-DAY))).toEqual(dayOf(1));
  });
});

describe('awaitingOutcome', () => {
  it('lists the periods whose charge was requested and has no outcome yet', () => {
    expect(awaitingOutcome(initialState)).toEqual([]);
    const run = given([[runDue, dayOf(2)]], started());
    expect(awaitingOutcome(run.state).map((p) => p.index)).toEqual([0, 1, 2]);
    const settled = given(
      [
        [outcome(chargeOf(run, 0), CAPTURED), after(HOUR, dayOf(2))],
        [outcome(chargeOf(run, 1), RETRYABLE), after(HOUR, dayOf(2))],
      ],
      run,
    );
    expect(awaitingOutcome(settled.state).map((p) => [p.index, p.chargeId])).toEqual([[2, chargeOf(run, 2)]]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// evolve
// ---------------------------------------------------------------------------------------------------------------

describe('evolve', () => {
  it('is total: an unknown event returns the state, and period events on NONE are ignored', () => {
    const run = given([[runDue, START]], started());
    const unknown = { type: 'BillingScheduleRenamed', data: {} } as unknown as BillingScheduleEvent;
    expect(evolve(run.state, unknown)).toBe(run.state);
    for (const event of run.events.slice(1)) expect(evolve(initialState, event)).toBe(initialState);
  });

  it('rebuilds the incremental state from the stream', () => {
    const run = given(
      [
        [runDue, dayOf(1)],
        [stop, dayOf(2)],
      ],
      given([[outcome('x', CAPTURED), START]], declinedRepeatedly(2).run),
    );
    expect(run.events.reduce(evolve, initialState)).toEqual(run.state);
  });

  it('declares a schema version for every event type and wires the decider', () => {
    expect(Object.keys(BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS).sort()).toEqual(
      [
        'BillingPeriodChargeRequested',
        'BillingPeriodPaid',
        'BillingPeriodRetryScheduled',
        'BillingPeriodUnpaid',
        'BillingScheduleNeedsConsumer',
        'BillingScheduleStarted',
        'BillingScheduleStopped',
      ].sort(),
    );
    expect(billingScheduleDecider).toMatchObject({ initialState, evolve, decide });
    expect(billingScheduleStreamId('agr_1')).toBe('billing-schedule:agr_1');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Property: a billing period is charged at most once (DESIGN.md, Testing)
// ---------------------------------------------------------------------------------------------------------------

type Step =
  | { kind: 'advance'; ms: number }
  | { kind: 'run' }
  | { kind: 'outcome'; pick: number; result: 'CAPTURED' | 'RETRYABLE' | 'HARD' }
  | { kind: 'late'; pick: number; result: 'CAPTURED' | 'RETRYABLE' | 'HARD' }
  | { kind: 'stop' };

const OUTCOMES = { CAPTURED, RETRYABLE, HARD } as const;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 1, max: 180 }).map((m) => m * MINUTE),
        fc.integer({ min: 1, max: 72 }).map((h) => h * HOUR),
        fc.integer({ min: 1, max: 40 }).map((d) => d * DAY),
        fc.integer({ min: 1, max: 4 }).map((months) => months * 30 * DAY),
      )
      .map((ms): Step => ({ kind: 'advance', ms })),
  },
  { weight: 4, arbitrary: fc.constant<Step>({ kind: 'run' }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('outcome' as const),
      pick: fc.nat(),
      result: fc.constantFrom('CAPTURED' as const, 'RETRYABLE' as const, 'RETRYABLE' as const, 'HARD' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('late' as const),
      pick: fc.nat(),
      result: fc.constantFrom('CAPTURED' as const, 'RETRYABLE' as const, 'HARD' as const),
    }),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: 'stop' }) },
);

const termsArb: fc.Arbitrary<ScheduleTerms> = fc
  .record({
    startDate: fc.constantFrom('2026-03-02T09:00:00Z', '2026-01-31T23:30:00-05:00', '2024-02-29T00:00:00+09:00'),
    type: fc.constantFrom('DAILY' as const, 'WEEKLY' as const, 'MONTHLY' as const, 'YEARLY' as const),
    interval: fc.integer({ min: 1, max: 3 }),
    endAfterDays: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
  })
  .map(({ startDate, type, interval, endAfterDays }) => ({
    startDate,
    endDate: endAfterDays === null ? null : iso(new Date(Date.parse(startDate) + endAfterDays * DAY)),
    frequency: { type, interval },
  }));

const scenarioArb = fc.record({
  terms: termsArb,
  retryDelaysDays: fc.array(fc.integer({ min: 0, max: 10 }), { maxLength: 3 }),
  firstPeriodIndex: fc.constantFrom(0, 1),
  startedHoursBefore: fc.integer({ min: 0, max: 72 }),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 40 }),
});

describe('property: a billing period is charged at most once', () => {
  it('holds across random clock advances, runs, outcomes and stops', () => {
    fc.assert(
      fc.property(scenarioArb, ({ terms, retryDelaysDays, firstPeriodIndex, startedHoursBefore, steps }) => {
        let now = new Date(Date.parse(terms.startDate) - startedHoursBefore * HOUR);
        let run: Run = given([[startSchedule({ terms, retryDelaysDays, firstPeriodIndex }), now]]);
        const endMs = terms.endDate === null ? Infinity : Date.parse(terms.endDate);
        let stoppedAt: number | null = null;

        for (const step of steps) {
          const before = schedule(run.state);
          let command: ScheduleCommand | null = null;
          switch (step.kind) {
            case 'advance':
              now = after(step.ms, now);
              break;
            case 'run':
              command = runDue;
              break;
            case 'outcome': {
              const awaited = awaitingOutcome(before);
              if (awaited.length > 0) {
                command = outcome(awaited[step.pick % awaited.length].chargeId, OUTCOMES[step.result]);
              }
              break;
            }
            case 'late': {
              const asked = requests(run.events);
              if (asked.length > 0) command = outcome(asked[step.pick % asked.length].chargeId, OUTCOMES[step.result]);
              break;
            }
            case 'stop':
              command = stop;
              break;
          }
          if (command === null) continue;
          const next = when(run, command, now);
          run = next;
          const emitted = next.emitted;
          const after_ = schedule(run.state);
          if (command.type === 'StopSchedule' && stoppedAt === null) stoppedAt = now.getTime();

          // Folding the whole stream gives the state built step by step.
          expect(run.events.reduce(evolve, initialState)).toEqual(run.state);

          // Each new request is legitimate given the state it was decided on.
          let newFirstAttempts = 0;
          for (const r of requests(emitted)) {
            expect(before.status).toBe('ACTIVE');
            expect(stoppedAt).toBeNull();
            const prior = before.periods[r.periodIndex];
            if (r.attempt === 0) {
              newFirstAttempts++;
              expect(prior).toBeUndefined();
              expect(r.periodIndex).toBeGreaterThanOrEqual(firstPeriodIndex);
              expect(periodStart(terms, r.periodIndex).getTime()).toBeLessThanOrEqual(Math.min(now.getTime(), endMs));
              expect(r.dueAt).toBe(iso(periodStart(terms, r.periodIndex)));
            } else {
              expect(prior?.status).toBe('RETRY_SCHEDULED');
              expect(r.attempt).toBe((prior?.attempt ?? NaN) + 1);
              expect(Date.parse(prior?.retryAt ?? '')).toBeLessThanOrEqual(now.getTime());
            }
            expect(prior?.status).not.toBe('PAID');
          }

          // A retryable decline waits retryDelaysDays[attempt] days; an outcome counts only for the awaited charge.
          if (command.type === 'RecordChargeOutcome') {
            const chargeId = command.chargeId;
            const awaited = Object.values(before.periods).find(
              (p) => p.chargeId === chargeId && p.status === 'REQUESTED',
            );
            if (!awaited) expect(emitted).toEqual([]);
            for (const e of emitted) {
              if (e.type === 'BillingPeriodRetryScheduled') {
                expect(e.data.retryAt).toBe(iso(after(retryDelaysDays[awaited?.attempt ?? NaN] * DAY, now)));
              }
            }
          }

          // Over the whole stream: one request per (period, attempt), attempts 0..k with k <= retries, ids unique.
          const all = requests(run.events);
          const attemptsByPeriod = new Map<number, number[]>();
          for (const r of all)
            attemptsByPeriod.set(r.periodIndex, [...(attemptsByPeriod.get(r.periodIndex) ?? []), r.attempt]);
          for (const attempts of attemptsByPeriod.values()) {
            expect(attempts).toEqual([...attempts.keys()]);
            expect(attempts.length).toBeLessThanOrEqual(1 + retryDelaysDays.length);
          }
          expect(new Set(all.map((r) => r.chargeId)).size).toBe(all.length);

          // No period skipped: the periods requested are exactly firstPeriodIndex .. nextPeriodIndex - 1, ...
          const indexes = [...attemptsByPeriod.keys()].sort((a, b) => a - b);
          expect(indexes).toEqual(
            Array.from({ length: after_.nextPeriodIndex - firstPeriodIndex }, (_, i) => firstPeriodIndex + i),
          );
          // ... and after a run of an ACTIVE schedule, every due period is among them (unless the run hit its cap).
          if (
            command.type === 'RunDueBilling' &&
            before.status === 'ACTIVE' &&
            newFirstAttempts < MAX_PERIODS_PER_TICK
          ) {
            expect(duePeriods(terms, now, after_.nextPeriodIndex, 1)).toEqual([]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('a schedule whose first period the agreement already charged (firstPeriodIndex 1)', () => {
  // Before period 0 starts, nextPeriodAfter names period 0, which is not to be requested: period 1 is next, unless
  // it falls after endDate.
  it('wakes up at period 1, or never when period 1 lies after endDate', () => {
    const now = after(-2 * HOUR);
    expect(nextWakeUp(started({ firstPeriodIndex: 1 }).state, now)).toEqual(dayOf(1));
    const endsAtOne = { ...DAILY, endDate: iso(dayOf(1)) };
    expect(nextWakeUp(started({ firstPeriodIndex: 1, terms: endsAtOne }).state, now)).toEqual(dayOf(1));
    const endsBeforeOne = { ...DAILY, endDate: iso(after(-1, dayOf(1))) };
    expect(nextWakeUp(started({ firstPeriodIndex: 1, terms: endsBeforeOne }).state, now)).toBeNull();
    const endsAfterOne = { ...DAILY, endDate: iso(dayOf(3)) };
    expect(nextWakeUp(started({ firstPeriodIndex: 1, terms: endsAfterOne }).state, now)).toEqual(dayOf(1));
  });
});

describe('a declined charge of a STOPPED schedule', () => {
  it('leaves the period UNPAID, with the decline, whatever the failure', () => {
    const running = given([[runDue, START]], started());
    const stopped = given([[stop, after(HOUR)]], running);
    for (const result of [HARD, RETRYABLE]) {
      const { emitted } = when(stopped, outcome(chargeOf(running, 0), result), after(2 * HOUR));
      expect(emitted).toEqual([
        {
          type: 'BillingPeriodUnpaid',
          data: {
            periodIndex: 0,
            chargeId: chargeOf(running, 0),
            at: iso(after(2 * HOUR)),
            failure: result.status === 'DECLINED' ? result.failure : null,
          },
        },
      ]);
    }
  });
});
