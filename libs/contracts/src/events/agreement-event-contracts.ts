/**
 * The contracts of the `agreement` stream's events (types in agreement-events.ts). `parseAgreementEvent` is how any
 * service reads an agreement event; `upcastAgreementEvent` is the agreement decider's `upcast`.
 */
import type {
  AgreementActivated,
  AgreementAuthenticationFailed,
  AgreementChargeRequested,
  AgreementChargeSettled,
  AgreementCreated,
  AgreementEvent,
  AgreementMarkedPastDue,
  AgreementRevoked,
} from './agreement-events';
import { AGREEMENT_EVENT_SCHEMA_VERSIONS as V } from './agreement-events';
import {
  chargeFailureSchema,
  consumerSchema,
  frequencySchema,
  moneySchema,
  paymentMethodSchema,
  redirectSchema,
  simulationCodeSchema,
  statusChange,
} from './common-schemas';
import { defineEvent, eventParser, type StoredEventLike } from './event-contract';
import { literal, noted, nullable, object, string } from './schema';

const streamType = 'agreement';

export const AgreementCreatedContract = defineEvent<AgreementCreated>({
  type: 'AgreementCreated',
  streamType,
  schemaVersion: V.AgreementCreated,
  description:
    "A payment agreement was set up: the terms the consumer is asked to consent to on the provider's page. " +
    'Status after: `AUTHENTICATION_PENDING`.',
  data: object<AgreementCreated['data']>({
    ...statusChange,
    agreementId: string,
    merchant: object({ id: string, name: string, mode: literal('SANDBOX', 'LIVE') }),
    paymentMethod: paymentMethodSchema,
    consumer: consumerSchema,
    startDate: noted(string, 'normalised to UTC, as the API shows it'),
    startDateAsGiven: noted(string, 'as the merchant wrote it, with its UTC offset: billing follows that calendar'),
    endDate: nullable(string),
    description: nullable(string),
    frequency: nullable(frequencySchema),
    amount: nullable(moneySchema),
    amountType: literal('EXACT', 'MAX', 'VARIABLE'),
    instrumentId: noted(string, 'the payment method, saved once the consumer consents'),
    returnUrl: string,
    merchantPaymentAgreementReference: nullable(string),
    webhooksUrl: nullable(string),
    simulationCode: noted(nullable(simulationCodeSchema), 'sandbox only'),
    authentication: redirectSchema,
    authenticationExpiresAt: noted(string, "creation + the method's authentication timeout"),
    initialPaymentCharge: noted(
      nullable(object({ chargeId: string, amount: moneySchema })),
      'charged when the consumer consents; it pays the first billing period',
    ),
  }),
});

export const AgreementActivatedContract = defineEvent<AgreementActivated>({
  type: 'AgreementActivated',
  streamType,
  schemaVersion: V.AgreementActivated,
  description:
    "The consumer consented on the provider's page; the payment method is saved as `instrumentId`. Status after: " +
    '`ACTIVE`. The scheduler starts billing an agreement with a frequency and an amount.',
  data: object<AgreementActivated['data']>({ ...statusChange }),
});

export const AgreementAuthenticationFailedContract = defineEvent<AgreementAuthenticationFailed>({
  type: 'AgreementAuthenticationFailed',
  streamType,
  schemaVersion: V.AgreementAuthenticationFailed,
  description: 'The consumer canceled, or did not consent in time. Status after: `FAILED`.',
  data: object<AgreementAuthenticationFailed['data']>({
    ...statusChange,
    reason: literal('CONSUMER_CANCELED', 'TIMED_OUT'),
    failure: chargeFailureSchema,
  }),
});

export const AgreementRevokedContract = defineEvent<AgreementRevoked>({
  type: 'AgreementRevoked',
  streamType,
  schemaVersion: V.AgreementRevoked,
  description: 'The agreement was revoked. Status after: `REVOKED`. The scheduler stops its billing.',
  data: object<AgreementRevoked['data']>({
    ...statusChange,
    revokedBy: literal('MERCHANT', 'CONSUMER', 'PROVIDER'),
  }),
});

export const AgreementChargeRequestedContract = defineEvent<AgreementChargeRequested>({
  type: 'AgreementChargeRequested',
  streamType,
  schemaVersion: V.AgreementChargeRequested,
  description:
    'A charge under the agreement was decided, recorded before the charges service is asked for it (which is ' +
    'idempotent by `chargeId`). Status unchanged; no `historyId`.',
  data: object<AgreementChargeRequested['data']>({
    at: statusChange.at,
    chargeId: string,
    amount: moneySchema,
    initiator: literal('INITIAL', 'MERCHANT', 'SCHEDULE'),
    simulationCode: nullable(simulationCodeSchema),
    merchantPaymentChargeReference: nullable(string),
  }),
});

export const AgreementChargeSettledContract = defineEvent<AgreementChargeSettled>({
  type: 'AgreementChargeSettled',
  streamType,
  schemaVersion: V.AgreementChargeSettled,
  description:
    "The outcome of one of the agreement's charges, learned from the charge events on Kafka (`ChargeCaptured` or " +
    '`ChargeAuthorizationDeclined`). Status unchanged; no `historyId`.',
  data: object<AgreementChargeSettled['data']>({
    at: statusChange.at,
    chargeId: string,
    status: literal('CAPTURED', 'FAILED'),
    failure: nullable(chargeFailureSchema),
  }),
});

export const AgreementMarkedPastDueContract = defineEvent<AgreementMarkedPastDue>({
  type: 'AgreementMarkedPastDue',
  streamType,
  schemaVersion: V.AgreementMarkedPastDue,
  description:
    'A charge was declined in a way only the consumer can fix (e.g. `HardDeclined`). Status after: `PAST_DUE`.',
  data: object<AgreementMarkedPastDue['data']>({ ...statusChange, chargeId: string, failure: chargeFailureSchema }),
});

export const agreementEvents = eventParser<AgreementEvent>(streamType, {
  AgreementCreated: AgreementCreatedContract,
  AgreementActivated: AgreementActivatedContract,
  AgreementAuthenticationFailed: AgreementAuthenticationFailedContract,
  AgreementRevoked: AgreementRevokedContract,
  AgreementChargeRequested: AgreementChargeRequestedContract,
  AgreementChargeSettled: AgreementChargeSettledContract,
  AgreementMarkedPastDue: AgreementMarkedPastDueContract,
});

/** A stored or consumed agreement event in its current shape; null for a type this build does not know. */
export const parseAgreementEvent = (stored: StoredEventLike): AgreementEvent | null => agreementEvents.parse(stored);

/** The agreement decider's `upcast`: as parseAgreementEvent, and an unknown type is refused too. */
export const upcastAgreementEvent = (stored: StoredEventLike): AgreementEvent => agreementEvents.upcast(stored);
