/**
 * The contracts of the `billing-schedule` stream's events (types in billing-schedule-events.ts).
 * `parseBillingScheduleEvent` is how any service reads one; `upcastBillingScheduleEvent` is the schedule decider's
 * `upcast`.
 */
import type {
  BillingPeriodChargeRequested,
  BillingPeriodPaid,
  BillingPeriodRetryScheduled,
  BillingPeriodUnpaid,
  BillingScheduleEvent,
  BillingScheduleNeedsConsumer,
  BillingScheduleStarted,
  BillingScheduleStopped,
  ScheduleTerms,
} from './billing-schedule-events';
import { BILLING_SCHEDULE_EVENT_SCHEMA_VERSIONS as V } from './billing-schedule-events';
import { chargeFailureSchema, frequencySchema, moneySchema, simulationCodeSchema } from './common-schemas';
import { defineEvent, eventParser, type StoredEventLike } from './event-contract';
import { array, integer, literal, named, noted, nullable, object, optional, string } from './schema';

const streamType = 'billing-schedule';
const at = noted(string, "ISO 8601: the schedule's clock (service clock plus its sandbox test-clock offset)");
const periodIndex = noted(integer, 'period 0 starts at the start date');

const scheduleTermsSchema = named(
  'ScheduleTerms',
  object<ScheduleTerms>({
    startDate: noted(string, "ISO 8601 with an offset: periods follow that offset's calendar"),
    endDate: noted(nullable(string), 'periods starting after it are not billed'),
    frequency: frequencySchema,
    timeZone: noted(optional(string), 'IANA zone; when absent, the fixed offset written in startDate'),
  }),
);

export const BillingScheduleStartedContract = defineEvent<BillingScheduleStarted>({
  type: 'BillingScheduleStarted',
  streamType,
  schemaVersion: V.BillingScheduleStarted,
  description: 'An agreement with a frequency and an amount became active: its periods will be billed.',
  data: object<BillingScheduleStarted['data']>({
    agreementId: string,
    merchantId: string,
    terms: scheduleTermsSchema,
    amount: moneySchema,
    retryDelaysDays: noted(array(integer), 'days after a retryable decline to try again, one entry per retry'),
    firstPeriodIndex: noted(integer, "1 when the agreement's initial charge paid period 0"),
    simulationCode: noted(
      nullable(simulationCodeSchema),
      "sandbox: the agreement's, applied to each period's first attempt (retries go through)",
    ),
    at,
  }),
});

export const BillingPeriodChargeRequestedContract = defineEvent<BillingPeriodChargeRequested>({
  type: 'BillingPeriodChargeRequested',
  streamType,
  schemaVersion: V.BillingPeriodChargeRequested,
  description:
    "A period's charge (or a retry of it) was decided, with its charge id, before the charge is asked for: a crash, " +
    'a second scheduler or a redelivery can never make a second charge for the same period and attempt.',
  data: object<BillingPeriodChargeRequested['data']>({
    periodIndex,
    attempt: noted(integer, '0 first, then retries'),
    chargeId: string,
    dueAt: string,
    at,
  }),
});

export const BillingPeriodPaidContract = defineEvent<BillingPeriodPaid>({
  type: 'BillingPeriodPaid',
  streamType,
  schemaVersion: V.BillingPeriodPaid,
  description: "The period's charge was captured.",
  data: object<BillingPeriodPaid['data']>({ periodIndex, chargeId: string, at }),
});

export const BillingPeriodRetryScheduledContract = defineEvent<BillingPeriodRetryScheduled>({
  type: 'BillingPeriodRetryScheduled',
  streamType,
  schemaVersion: V.BillingPeriodRetryScheduled,
  description: "The period's charge was declined in a retryable way: another attempt is due at `retryAt` (dunning).",
  data: object<BillingPeriodRetryScheduled['data']>({
    periodIndex,
    chargeId: noted(string, 'the declined one'),
    nextAttempt: integer,
    retryAt: string,
    failure: chargeFailureSchema,
    at,
  }),
});

export const BillingPeriodUnpaidContract = defineEvent<BillingPeriodUnpaid>({
  type: 'BillingPeriodUnpaid',
  streamType,
  schemaVersion: V.BillingPeriodUnpaid,
  description: 'The last retry failed too: the period stays unpaid; later periods are billed as usual.',
  data: object<BillingPeriodUnpaid['data']>({ periodIndex, chargeId: string, failure: chargeFailureSchema, at }),
});

export const BillingScheduleNeedsConsumerContract = defineEvent<BillingScheduleNeedsConsumer>({
  type: 'BillingScheduleNeedsConsumer',
  streamType,
  schemaVersion: V.BillingScheduleNeedsConsumer,
  description:
    'A decline only the consumer can fix (e.g. `HardDeclined`): billing pauses and the agreement is marked ' +
    '`PAST_DUE`.',
  data: object<BillingScheduleNeedsConsumer['data']>({
    periodIndex,
    chargeId: string,
    failure: chargeFailureSchema,
    at,
  }),
});

export const BillingScheduleStoppedContract = defineEvent<BillingScheduleStopped>({
  type: 'BillingScheduleStopped',
  streamType,
  schemaVersion: V.BillingScheduleStopped,
  description: 'The agreement was revoked or ended: no further periods are billed.',
  data: object<BillingScheduleStopped['data']>({ reason: literal('AGREEMENT_REVOKED', 'AGREEMENT_ENDED'), at }),
});

export const billingScheduleEvents = eventParser<BillingScheduleEvent>(streamType, {
  BillingScheduleStarted: BillingScheduleStartedContract,
  BillingPeriodChargeRequested: BillingPeriodChargeRequestedContract,
  BillingPeriodPaid: BillingPeriodPaidContract,
  BillingPeriodRetryScheduled: BillingPeriodRetryScheduledContract,
  BillingPeriodUnpaid: BillingPeriodUnpaidContract,
  BillingScheduleNeedsConsumer: BillingScheduleNeedsConsumerContract,
  BillingScheduleStopped: BillingScheduleStoppedContract,
});

/** A stored or consumed billing-schedule event in its current shape; null for a type this build does not know. */
export const parseBillingScheduleEvent = (stored: StoredEventLike): BillingScheduleEvent | null =>
  billingScheduleEvents.parse(stored);

/** The billing-schedule decider's `upcast`: as parseBillingScheduleEvent, and an unknown type is refused too. */
export const upcastBillingScheduleEvent = (stored: StoredEventLike): BillingScheduleEvent =>
  billingScheduleEvents.upcast(stored);
