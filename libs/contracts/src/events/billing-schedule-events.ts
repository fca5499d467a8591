/**
 * The events of a `billing-schedule:<agreementId>` stream (owned by the scheduler), published to other services;
 * contracts in billing-schedule-event-contracts.ts, catalogue generated into docs/events.md. A period's
 * charge is recorded here (`BillingPeriodChargeRequested`, with its charge id) before the charge is asked for, so
 * a crash, a second scheduler or a redelivery can never make a second charge for the same period and attempt.
 */
import type { Money } from '../money';
import type { Frequency } from '../payment-agreement';
import type { ChargeFailure, SimulationCode } from '../payment-charge';

/** When a schedule's periods fall due (the arithmetic is the scheduler's: apps/scheduler/src/domain/billing-periods.ts). */
export interface ScheduleTerms {
  /** ISO 8601 instant with an offset: "2025-01-31T09:00:00-05:00", "2025-01-31T14:00:00.000Z". */
  startDate: string;
  /** ISO 8601 instant; periods starting after it are not billed (one starting exactly at it is). */
  endDate: string | null;
  frequency: Frequency;
  /** IANA zone ("America/New_York"); when absent, the fixed UTC offset written in `startDate` is used. */
  timeZone?: string;
}

export interface BillingScheduleStarted {
  type: 'BillingScheduleStarted';
  data: {
    agreementId: string;
    merchantId: string;
    terms: ScheduleTerms;
    amount: Money;
    /** Days after a retryable decline to try again, one entry per retry. */
    retryDelaysDays: number[];
    /** First period to bill (1 when the agreement's initial charge paid period 0). */
    firstPeriodIndex: number;
    /**
     * Sandbox: the agreement's simulation code, applied to the first attempt of each period so that dunning can be
     * watched recovering (retries go through).
     */
    simulationCode: SimulationCode | null;
    at: string;
  };
}

export interface BillingPeriodChargeRequested {
  type: 'BillingPeriodChargeRequested';
  data: { periodIndex: number; attempt: number; chargeId: string; dueAt: string; at: string };
}

export interface BillingPeriodPaid {
  type: 'BillingPeriodPaid';
  data: { periodIndex: number; chargeId: string; at: string };
}

export interface BillingPeriodRetryScheduled {
  type: 'BillingPeriodRetryScheduled';
  data: {
    periodIndex: number;
    chargeId: string;
    nextAttempt: number;
    retryAt: string;
    failure: ChargeFailure;
    at: string;
  };
}

/** The last retry failed too: the period stays unpaid; later periods are billed as usual. */
export interface BillingPeriodUnpaid {
  type: 'BillingPeriodUnpaid';
  data: { periodIndex: number; chargeId: string; failure: ChargeFailure; at: string };
}

/** A decline only the consumer can fix (e.g. HardDeclined): billing pauses and the agreement is marked past due. */
export interface BillingScheduleNeedsConsumer {
  type: 'BillingScheduleNeedsConsumer';
  data: { periodIndex: number; chargeId: string; failure: ChargeFailure; at: string };
}

export interface BillingScheduleStopped {
  type: 'BillingScheduleStopped';
  data: { reason: 'AGREEMENT_REVOKED' | 'AGREEMENT_ENDED'; at: string };
}

export type BillingScheduleEvent =
  | BillingScheduleStarted
  | BillingPeriodChargeRequested
  | BillingPeriodPaid
  | BillingPeriodRetryScheduled
  | BillingPeriodUnpaid
  | BillingScheduleNeedsConsumer
  | BillingScheduleStopped;

export const BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS: Record<BillingScheduleEvent['type'], number> = {
  BillingScheduleStarted: 1,
  BillingPeriodChargeRequested: 1,
  BillingPeriodPaid: 1,
  BillingPeriodRetryScheduled: 1,
  BillingPeriodUnpaid: 1,
  BillingScheduleNeedsConsumer: 1,
  BillingScheduleStopped: 1,
};
