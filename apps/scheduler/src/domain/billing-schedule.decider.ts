/**
 * A billing schedule: which periods of an agreement are due, which charge each one got, and what happens after a
 * decline (dunning). Pure: the clock reading and charge outcomes come in as data. Its events are published
 * (@payment-ledger/contracts, billing-schedule-events.ts); the state is internal bookkeeping, not a public model.
 */
import {
  BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS,
  type BillingScheduleEvent,
  type BillingScheduleStarted,
  type ChargeFailure,
  type Money,
  newId,
  type SimulationCode,
  upcastBillingScheduleEvent,
} from '@payment-ledger/contracts';
import type { Decider } from '@payment-ledger/domain-kernel';
import { duePeriods, nextPeriodAfter, periodStart, type ScheduleTerms } from './billing-periods';

export type PeriodStatus = 'REQUESTED' | 'PAID' | 'RETRY_SCHEDULED' | 'UNPAID' | 'NEEDS_CONSUMER';

export interface PeriodState {
  index: number;
  status: PeriodStatus;
  attempt: number;
  chargeId: string;
  requestedAt: string;
  retryAt: string | null;
}

export interface ScheduleDetails {
  agreementId: string;
  merchantId: string;
  terms: ScheduleTerms;
  amount: Money;
  retryDelaysDays: number[];
  simulationCode: SimulationCode | null;
  /** Every period below this index has had its first charge requested. */
  nextPeriodIndex: number;
  periods: Record<number, PeriodState>;
}

export type ScheduleState = { status: 'NONE' } | ({ status: 'ACTIVE' | 'PAUSED' | 'STOPPED' } & ScheduleDetails);
export type ExistingSchedule = Extract<ScheduleState, { agreementId: string }>;

export const initialState: ScheduleState = { status: 'NONE' };
export const DEFAULT_RETRY_DELAYS_DAYS = [1, 3, 7];
const DAY = 24 * 60 * 60 * 1000;
/** At most this many periods are requested in one decision (a long-stopped clock catches up in steps). */
const MAX_PERIODS_PER_TICK = 100;

/** Start billing with what BillingScheduleStarted records (its `at` is the decision's now). */
export type StartSchedule = { type: 'StartSchedule' } & Omit<BillingScheduleStarted['data'], 'at'>;
/** Request every charge that is due by `now`: new periods and scheduled retries. */
export interface RunDueBilling {
  type: 'RunDueBilling';
}
export type ChargeOutcome = { status: 'CAPTURED' } | { status: 'DECLINED'; failure: ChargeFailure };
export interface RecordChargeOutcome {
  type: 'RecordChargeOutcome';
  chargeId: string;
  outcome: ChargeOutcome;
}
export interface StopSchedule {
  type: 'StopSchedule';
  reason: 'AGREEMENT_REVOKED' | 'AGREEMENT_ENDED';
}
export type ScheduleCommand = StartSchedule | RunDueBilling | RecordChargeOutcome | StopSchedule;

export function exists(state: ScheduleState): state is ExistingSchedule {
  return state.status !== 'NONE';
}

export function evolve(state: ScheduleState, event: BillingScheduleEvent): ScheduleState {
  if (event.type === 'BillingScheduleStarted') {
    const d = event.data;
    return {
      status: 'ACTIVE',
      agreementId: d.agreementId,
      merchantId: d.merchantId,
      terms: d.terms,
      amount: d.amount,
      retryDelaysDays: d.retryDelaysDays,
      simulationCode: d.simulationCode,
      nextPeriodIndex: d.firstPeriodIndex,
      periods: {},
    };
  }
  if (!exists(state)) return state;
  const put = (period: PeriodState): ExistingSchedule => ({
    ...state,
    periods: { ...state.periods, [period.index]: period },
  });
  switch (event.type) {
    case 'BillingPeriodChargeRequested': {
      const d = event.data;
      const next = put({
        index: d.periodIndex,
        status: 'REQUESTED',
        attempt: d.attempt,
        chargeId: d.chargeId,
        requestedAt: d.at,
        retryAt: null,
      });
      return { ...next, nextPeriodIndex: Math.max(state.nextPeriodIndex, d.periodIndex + 1) };
    }
    case 'BillingPeriodPaid':
      return put({ ...state.periods[event.data.periodIndex], status: 'PAID' });
    case 'BillingPeriodRetryScheduled':
      return put({ ...state.periods[event.data.periodIndex], status: 'RETRY_SCHEDULED', retryAt: event.data.retryAt });
    case 'BillingPeriodUnpaid':
      return put({ ...state.periods[event.data.periodIndex], status: 'UNPAID' });
    case 'BillingScheduleNeedsConsumer':
      return { ...put({ ...state.periods[event.data.periodIndex], status: 'NEEDS_CONSUMER' }), status: 'PAUSED' };
    case 'BillingScheduleStopped':
      return { ...state, status: 'STOPPED' };
    default:
      return state;
  }
}

export function decide(command: ScheduleCommand, state: ScheduleState, now: Date): BillingScheduleEvent[] {
  const at = now.toISOString();
  if (command.type === 'StartSchedule') {
    if (exists(state)) return [];
    return [
      {
        type: 'BillingScheduleStarted',
        data: {
          agreementId: command.agreementId,
          merchantId: command.merchantId,
          terms: command.terms,
          amount: command.amount,
          retryDelaysDays: command.retryDelaysDays,
          firstPeriodIndex: command.firstPeriodIndex,
          simulationCode: command.simulationCode,
          at,
        },
      },
    ];
  }
  if (!exists(state)) return [];
  switch (command.type) {
    case 'StopSchedule':
      return state.status === 'STOPPED'
        ? []
        : [{ type: 'BillingScheduleStopped', data: { reason: command.reason, at } }];
    case 'RunDueBilling': {
      if (state.status !== 'ACTIVE') return [];
      const events: BillingScheduleEvent[] = [];
      for (const period of Object.values(state.periods)) {
        if (period.status === 'RETRY_SCHEDULED' && period.retryAt && Date.parse(period.retryAt) <= now.getTime()) {
          events.push(requested(period.index, period.attempt + 1, period.retryAt, now));
        }
      }
      for (const index of duePeriods(state.terms, now, state.nextPeriodIndex, MAX_PERIODS_PER_TICK)) {
        events.push(requested(index, 0, periodStart(state.terms, index).toISOString(), now));
      }
      return events;
    }
    case 'RecordChargeOutcome': {
      const period = Object.values(state.periods).find((p) => p.chargeId === command.chargeId);
      // Outcomes arrive twice (the answer and the Kafka event) or late: only the awaited one counts.
      if (!period || period.status !== 'REQUESTED') return [];
      const base = { periodIndex: period.index, chargeId: period.chargeId, at };
      if (command.outcome.status === 'CAPTURED') return [{ type: 'BillingPeriodPaid', data: base }];
      const failure = command.outcome.failure;
      if (!failure.isRetryable) {
        return state.status === 'STOPPED'
          ? [{ type: 'BillingPeriodUnpaid', data: { ...base, failure } }]
          : [{ type: 'BillingScheduleNeedsConsumer', data: { ...base, failure } }];
      }
      const delay = state.retryDelaysDays[period.attempt];
      if (delay === undefined || state.status === 'STOPPED') {
        return [{ type: 'BillingPeriodUnpaid', data: { ...base, failure } }];
      }
      return [
        {
          type: 'BillingPeriodRetryScheduled',
          data: {
            ...base,
            nextAttempt: period.attempt + 1,
            retryAt: new Date(now.getTime() + delay * DAY).toISOString(),
            failure,
          },
        },
      ];
    }
  }
}

function requested(periodIndex: number, attempt: number, dueAt: string, now: Date): BillingScheduleEvent {
  return {
    type: 'BillingPeriodChargeRequested',
    data: { periodIndex, attempt, chargeId: newId('charge', now.getTime()), dueAt, at: now.toISOString() },
  };
}

/** When this schedule next needs attention: its next period or retry (null when nothing is ahead). */
export function nextWakeUp(state: ScheduleState, now: Date): Date | null {
  if (!exists(state) || state.status !== 'ACTIVE') return null;
  const candidates: number[] = [];
  for (const period of Object.values(state.periods)) {
    if (period.status === 'RETRY_SCHEDULED' && period.retryAt) candidates.push(Date.parse(period.retryAt));
  }
  const upcoming = nextPeriodAfterIndex(state, now);
  if (upcoming) candidates.push(upcoming.getTime());
  return candidates.length === 0 ? null : new Date(Math.min(...candidates));
}

function nextPeriodAfterIndex(state: ExistingSchedule, now: Date): Date | null {
  // Periods a capped run left behind are due already (even when endDate has passed since).
  if (duePeriods(state.terms, now, state.nextPeriodIndex, 1).length > 0)
    return periodStart(state.terms, state.nextPeriodIndex);
  const following = nextPeriodAfter(state.terms, now);
  if (!following) return null;
  if (following.index >= state.nextPeriodIndex) return following.dueAt;
  // Periods before nextPeriodIndex are requested already (or were paid by the agreement's initial charge).
  const next = periodStart(state.terms, state.nextPeriodIndex);
  return state.terms.endDate !== null && next.getTime() > Date.parse(state.terms.endDate) ? null : next;
}

/** Periods whose charge was requested but has no outcome yet. */
export function awaitingOutcome(state: ScheduleState): PeriodState[] {
  if (!exists(state)) return [];
  return Object.values(state.periods).filter((p) => p.status === 'REQUESTED');
}

export const billingScheduleDecider: Decider<ScheduleCommand, BillingScheduleEvent, ScheduleState> = {
  initialState,
  evolve,
  decide,
  schemaVersions: BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS,
  upcast: upcastBillingScheduleEvent,
};

export const billingScheduleStreamId = (agreementId: string): string => `billing-schedule:${agreementId}`;
