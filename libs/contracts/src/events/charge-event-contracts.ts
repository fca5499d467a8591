/**
 * The contracts of the `charge` stream's events (types in charge-events.ts): schema version, meaning, payload check
 * and upcasters. `parseChargeEvent` is how any service reads a charge event; `upcastChargeEvent` is the charge
 * decider's `upcast`.
 */
import type {
  ChargeAuthenticationCompleted,
  ChargeAuthenticationFailed,
  ChargeAuthorizationDeclined,
  ChargeAuthorizationPending,
  ChargeAuthorizationRequested,
  ChargeAuthorized,
  ChargeCaptured,
  ChargeCaptureFailed,
  ChargeCaptureRequested,
  ChargeChargebackOpened,
  ChargeChargebackResolved,
  ChargeCreated,
  ChargeEvent,
  ChargeRefundFailed,
  ChargeRefundPending,
  ChargeRefundSucceeded,
  ChargeVoided,
  ChargeVoidFailed,
  ChargeVoidRequested,
} from './charge-events';
import { CHARGE_EVENT_SCHEMA_VERSIONS as V } from './charge-events';
import {
  chargeFailureSchema,
  consumerSchema,
  moneySchema,
  paymentMethodSchema,
  redirectSchema,
  simulationCodeSchema,
  statusChange,
} from './common-schemas';
import { defineEvent, eventParser, type StoredEventLike } from './event-contract';
import { integer, literal, noted, nullable, object, string } from './schema';

const streamType = 'charge';
const amount = noted(integer, 'minor units of the charge currency');
const authenticationFailureReason = literal('CONSUMER_CANCELED', 'TIMED_OUT');
const voidReason = literal('MERCHANT_REQUESTED', 'CAPTURE_WINDOW_EXPIRED');

export const ChargeCreatedContract = defineEvent<ChargeCreated>({
  type: 'ChargeCreated',
  streamType,
  schemaVersion: V.ChargeCreated,
  description:
    'A charge was made. Status after: `AUTHENTICATION_PENDING` (the consumer must finish the redirect by ' +
    '`authenticationExpiresAt`), or `AUTHORIZATION_PROCESSING` for a merchant-initiated charge under an agreement, ' +
    'which has no redirect and is followed in the same append by its authorization and capture events (the ' +
    "append's metadata carries `agreementId` too, so consumers learn a charge's agreement without reading its " +
    'stream). Version 2 made `initiator`, `agreementId` and `instrumentId` required; version-1 events were ' +
    'written before merchant-initiated charges existed and are read as `CONSUMER` charges with both ids null.',
  data: object<ChargeCreated['data']>({
    ...statusChange,
    chargeId: string,
    merchant: noted(
      object({ id: string, name: string }),
      'as it was when the charge was made (shown on the hosted page)',
    ),
    paymentMethod: paymentMethodSchema,
    amount: moneySchema,
    consumer: consumerSchema,
    captureMethod: literal('AUTOMATIC', 'MANUAL'),
    initiator: noted(
      literal('CONSUMER', 'MERCHANT'),
      'who starts the payment: the consumer through a redirect, or the merchant under an agreement',
    ),
    agreementId: noted(nullable(string), 'the agreement a merchant-initiated charge is made under'),
    instrumentId: noted(nullable(string), "the agreement's saved payment method"),
    returnUrl: noted(nullable(string), 'null for a merchant-initiated charge'),
    webhooksUrl: nullable(string),
    merchantPaymentChargeReference: nullable(string),
    simulationCode: noted(nullable(simulationCodeSchema), 'sandbox only'),
    authentication: nullable(redirectSchema),
    authenticationExpiresAt: noted(nullable(string), "creation + the method's timeout; null without a redirect"),
  }),
  upcasters: {
    // Version 1 predates merchant-initiated charges: every charge was the consumer's, through a redirect. (Defaults
    // first, then the stored fields: V8 builds `{ ...data, extra }` on a large object dozens of times slower.)
    1: (data) => ({ initiator: 'CONSUMER', agreementId: null, instrumentId: null, ...data }),
  },
});

export const ChargeAuthenticationCompletedContract = defineEvent<ChargeAuthenticationCompleted>({
  type: 'ChargeAuthenticationCompleted',
  streamType,
  schemaVersion: V.ChargeAuthenticationCompleted,
  description: "The consumer approved on the provider's page. Status after: `AUTHORIZATION_PROCESSING`.",
  data: object<ChargeAuthenticationCompleted['data']>({ ...statusChange }),
});

export const ChargeAuthenticationFailedContract = defineEvent<ChargeAuthenticationFailed>({
  type: 'ChargeAuthenticationFailed',
  streamType,
  schemaVersion: V.ChargeAuthenticationFailed,
  description: 'The consumer canceled on the redirect, or did not finish it in time. Status after: `FAILED`.',
  data: object<ChargeAuthenticationFailed['data']>({
    ...statusChange,
    reason: authenticationFailureReason,
    failure: chargeFailureSchema,
  }),
});

export const ChargeAuthorizationRequestedContract = defineEvent<ChargeAuthorizationRequested>({
  type: 'ChargeAuthorizationRequested',
  streamType,
  schemaVersion: V.ChargeAuthorizationRequested,
  description:
    'Intent: the provider is about to be asked to authorize the charge\'s amount (Amazon Pay "Create Charge"), ' +
    "and with `captureNow` to capture it in the same call. Recorded under the stream's version check before the " +
    'call; the authorization id is the idempotency key of the call. Status unchanged. Charges recorded before ' +
    'intents existed have outcomes without intents.',
  data: object<ChargeAuthorizationRequested['data']>({
    ...statusChange,
    authorizationId: string,
    amount,
    captureNow: noted(nullable(object({ captureId: string })), 'set when the same call captures'),
  }),
});

export const ChargeAuthorizationPendingContract = defineEvent<ChargeAuthorizationPending>({
  type: 'ChargeAuthorizationPending',
  streamType,
  schemaVersion: V.ChargeAuthorizationPending,
  description: 'The provider will confirm the authorization later. Status after: `AUTHORIZATION_ASYNC`.',
  data: object<ChargeAuthorizationPending['data']>({
    ...statusChange,
    authorizationId: string,
    amount,
    providerReference: string,
    checkAfter: noted(string, 'when to ask the provider again'),
  }),
});

export const ChargeAuthorizedContract = defineEvent<ChargeAuthorized>({
  type: 'ChargeAuthorized',
  streamType,
  schemaVersion: V.ChargeAuthorized,
  description:
    'The provider authorized the amount. Status after: `CAPTURE_PENDING` (manual capture) or `CAPTURE_PROCESSING` ' +
    '(automatic).',
  data: object<ChargeAuthorized['data']>({
    ...statusChange,
    authorizationId: string,
    amount,
    providerReference: string,
    captureExpiresAt: noted(string, "uncaptured funds are released at this instant (the method's capture window)"),
  }),
});

export const ChargeAuthorizationDeclinedContract = defineEvent<ChargeAuthorizationDeclined>({
  type: 'ChargeAuthorizationDeclined',
  streamType,
  schemaVersion: V.ChargeAuthorizationDeclined,
  description:
    'The provider declined the authorization (or it failed). Status after: `FAILED`. This is the decline outcome ' +
    'agreements and the scheduler react to.',
  data: object<ChargeAuthorizationDeclined['data']>({
    ...statusChange,
    authorizationId: string,
    amount,
    failure: chargeFailureSchema,
  }),
});

export const ChargeCaptureRequestedContract = defineEvent<ChargeCaptureRequested>({
  type: 'ChargeCaptureRequested',
  streamType,
  schemaVersion: V.ChargeCaptureRequested,
  description:
    'Intent: the provider is about to be asked to capture `amount` of the authorization; the capture id is the ' +
    'idempotency key of the call. Status unchanged.',
  data: object<ChargeCaptureRequested['data']>({ ...statusChange, captureId: string, amount }),
});

export const ChargeCapturedContract = defineEvent<ChargeCaptured>({
  type: 'ChargeCaptured',
  streamType,
  schemaVersion: V.ChargeCaptured,
  description: 'The provider captured the amount. Status after: `CAPTURED`. This is the capture outcome.',
  data: object<ChargeCaptured['data']>({ ...statusChange, captureId: string, amount, providerReference: string }),
});

export const ChargeVoidRequestedContract = defineEvent<ChargeVoidRequested>({
  type: 'ChargeVoidRequested',
  streamType,
  schemaVersion: V.ChargeVoidRequested,
  description:
    'Intent: the provider is about to be asked to release what is authorized and still open; the void id is the ' +
    'idempotency key of the call. Status unchanged.',
  data: object<ChargeVoidRequested['data']>({ ...statusChange, voidId: string, amount, reason: voidReason }),
});

export const ChargeVoidedContract = defineEvent<ChargeVoided>({
  type: 'ChargeVoided',
  streamType,
  schemaVersion: V.ChargeVoided,
  description:
    'The provider released the open authorization. Status after: `VOIDED`, or unchanged (`CAPTURED`) after a ' +
    'partial capture.',
  data: object<ChargeVoided['data']>({
    ...statusChange,
    voidId: string,
    amount: noted(integer, 'all that was still open'),
    reason: voidReason,
    providerReference: string,
  }),
});

export const ChargeCaptureFailedContract = defineEvent<ChargeCaptureFailed>({
  type: 'ChargeCaptureFailed',
  streamType,
  schemaVersion: V.ChargeCaptureFailed,
  description:
    'The provider refused the capture (nothing was captured, e.g. the authorization was no longer capturable); the ' +
    'amount it held is open again. Status after: back to `CAPTURE_PENDING`, or unchanged (`CAPTURED`) after an ' +
    'earlier partial capture.',
  data: object<ChargeCaptureFailed['data']>({
    ...statusChange,
    captureId: string,
    amount,
    failure: chargeFailureSchema,
  }),
});

export const ChargeVoidFailedContract = defineEvent<ChargeVoidFailed>({
  type: 'ChargeVoidFailed',
  streamType,
  schemaVersion: V.ChargeVoidFailed,
  description:
    'The provider refused the void (nothing was released); the amount it held is open again. Status after: back ' +
    'to `CAPTURE_PENDING`, or unchanged (`CAPTURED`) after a partial capture.',
  data: object<ChargeVoidFailed['data']>({
    ...statusChange,
    voidId: string,
    amount,
    reason: voidReason,
    failure: chargeFailureSchema,
  }),
});

// Refunds and chargebacks, as the charges service learns them from the refunds service's `refund` stream.
const refundStatusRule =
  'Status after: `REFUND_PROCESSING` while any refund of the charge is pending; otherwise `REFUNDED` once the ' +
  'refunds that succeeded add up to all that was captured, else `CAPTURED`.';

export const ChargeRefundPendingContract = defineEvent<ChargeRefundPending>({
  type: 'ChargeRefundPending',
  streamType,
  schemaVersion: V.ChargeRefundPending,
  description:
    'A refund of `amount` was asked of the provider (the refunds service recorded `RefundRequested` on the ' +
    "charge's `refund` stream; the charges service records it here once, when it consumes that event). Refund " +
    'status on the charge: `REFUND_PENDING`. Status after: `REFUND_PROCESSING`.',
  data: object<ChargeRefundPending['data']>({
    ...statusChange,
    refundId: noted(string, "the refunds service's `refund_…` id"),
    amount,
  }),
});

export const ChargeRefundSucceededContract = defineEvent<ChargeRefundSucceeded>({
  type: 'ChargeRefundSucceeded',
  streamType,
  schemaVersion: V.ChargeRefundSucceeded,
  description:
    'The provider refunded `amount` to the consumer (from `RefundSucceeded`; recorded once, for a refund still ' +
    'pending). Refund status on the charge: `SUCCEEDED`. ' +
    refundStatusRule,
  data: object<ChargeRefundSucceeded['data']>({ ...statusChange, refundId: string, amount }),
});

export const ChargeRefundFailedContract = defineEvent<ChargeRefundFailed>({
  type: 'ChargeRefundFailed',
  streamType,
  schemaVersion: V.ChargeRefundFailed,
  description:
    'The provider declined or refused the refund: nothing moved, and its amount is refundable again (recording ' +
    '`RefundFailed`; recorded once, for a refund still pending). Refund status on the charge: `FAILED`. ' +
    refundStatusRule,
  data: object<ChargeRefundFailed['data']>({ ...statusChange, refundId: string, amount, failure: chargeFailureSchema }),
});

export const ChargeChargebackOpenedContract = defineEvent<ChargeChargebackOpened>({
  type: 'ChargeChargebackOpened',
  streamType,
  schemaVersion: V.ChargeChargebackOpened,
  description:
    'The consumer disputed `amount` of the charge at the provider (from `ChargebackOpened`; recorded once). ' +
    'Chargeback status on the charge: `OPEN`. The charge status is unchanged: `chargebacks[]` shows it.',
  data: object<ChargeChargebackOpened['data']>({
    ...statusChange,
    chargebackId: noted(string, "the refunds service's chargeback id"),
    amount,
    reason: noted(string, "the provider's reason for the dispute"),
  }),
});

export const ChargeChargebackResolvedContract = defineEvent<ChargeChargebackResolved>({
  type: 'ChargeChargebackResolved',
  streamType,
  schemaVersion: V.ChargeChargebackResolved,
  description:
    'The dispute was decided (from `ChargebackResolved`; recorded once, for a chargeback still open): `WON` gives ' +
    'the amount back to the merchant, `LOST` leaves it with the consumer. Chargeback status on the charge: the ' +
    'outcome. The charge status is unchanged.',
  data: object<ChargeChargebackResolved['data']>({
    ...statusChange,
    chargebackId: string,
    amount,
    outcome: literal('WON', 'LOST'),
  }),
});

export const chargeEvents = eventParser<ChargeEvent>(streamType, {
  ChargeCreated: ChargeCreatedContract,
  ChargeAuthenticationCompleted: ChargeAuthenticationCompletedContract,
  ChargeAuthenticationFailed: ChargeAuthenticationFailedContract,
  ChargeAuthorizationRequested: ChargeAuthorizationRequestedContract,
  ChargeAuthorizationPending: ChargeAuthorizationPendingContract,
  ChargeAuthorized: ChargeAuthorizedContract,
  ChargeAuthorizationDeclined: ChargeAuthorizationDeclinedContract,
  ChargeCaptureRequested: ChargeCaptureRequestedContract,
  ChargeCaptured: ChargeCapturedContract,
  ChargeCaptureFailed: ChargeCaptureFailedContract,
  ChargeVoidRequested: ChargeVoidRequestedContract,
  ChargeVoided: ChargeVoidedContract,
  ChargeVoidFailed: ChargeVoidFailedContract,
  ChargeRefundPending: ChargeRefundPendingContract,
  ChargeRefundSucceeded: ChargeRefundSucceededContract,
  ChargeRefundFailed: ChargeRefundFailedContract,
  ChargeChargebackOpened: ChargeChargebackOpenedContract,
  ChargeChargebackResolved: ChargeChargebackResolvedContract,
});

/** A stored or consumed charge event in its current shape; null for a type this build does not know. */
export const parseChargeEvent = (stored: StoredEventLike): ChargeEvent | null => chargeEvents.parse(stored);

/** The charge decider's `upcast`: as parseChargeEvent, and an unknown type is refused too. */
export const upcastChargeEvent = (stored: StoredEventLike): ChargeEvent => chargeEvents.upcast(stored);
