/**
 * The contracts of the `refund` stream's events (types in refund-events.ts): schema version, meaning, payload check.
 * `parseRefundEvent` is how any service reads a refund event; `upcastRefundEvent` is the refunds decider's `upcast`.
 */
import { chargeFailureSchema, moneySchema, paymentMethodSchema } from './common-schemas';
import { defineEvent, eventParser, type StoredEventLike } from './event-contract';
import { integer, literal, noted, nullable, object, oneOf, string } from './schema';
import {
  type ChargebackOpened,
  type ChargebackResolved,
  REFUND_EVENT_SCHEMA_VERSIONS as V,
  type RefundEvent,
  type RefundFailed,
  type RefundPending,
  type RefundRequested,
  type RefundSucceeded,
} from './refund-events';
import { REFUND_SIMULATION_CODES } from '../payment-refund';

const streamType = 'refund';
const at = noted(string, 'ISO 8601, from the service clock');
const amount = noted(integer, 'minor units of the charge currency');

export const RefundRequestedContract = defineEvent<RefundRequested>({
  type: 'RefundRequested',
  streamType,
  schemaVersion: V.RefundRequested,
  description:
    "Intent: the provider is about to be asked to refund `amount` of the charge. Recorded under the stream's " +
    'version check only when the refunds pending or succeeded plus the chargebacks open or lost, with this one, ' +
    "stay within the charge's captured amount; the refund id is the idempotency key of the call. Refund status: " +
    '`REFUND_PENDING`. The charges service records it on the charge as `ChargeRefundPending`.',
  data: object<RefundRequested['data']>({
    at,
    refundId: string,
    chargeId: string,
    merchantId: string,
    paymentMethod: paymentMethodSchema,
    amount: moneySchema,
    reason: nullable(string),
    merchantRefundReference: nullable(string),
    simulationCode: noted(nullable(oneOf(REFUND_SIMULATION_CODES, 'RefundSimulationCode')), 'sandbox only'),
  }),
});

export const RefundPendingContract = defineEvent<RefundPending>({
  type: 'RefundPending',
  streamType,
  schemaVersion: V.RefundPending,
  description:
    'The provider accepted the refund and settles it later; a timer asks it again after `checkAfter`. Refund ' +
    'status unchanged (`REFUND_PENDING`).',
  data: object<RefundPending['data']>({
    at,
    refundId: string,
    amount,
    providerReference: string,
    checkAfter: noted(string, 'when to ask the provider again'),
  }),
});

export const RefundSucceededContract = defineEvent<RefundSucceeded>({
  type: 'RefundSucceeded',
  streamType,
  schemaVersion: V.RefundSucceeded,
  description:
    'The provider refunded the amount to the consumer. Refund status: `SUCCEEDED`. The charges service records ' +
    'it as `ChargeRefundSucceeded`.',
  data: object<RefundSucceeded['data']>({ at, refundId: string, amount, providerReference: string }),
});

export const RefundFailedContract = defineEvent<RefundFailed>({
  type: 'RefundFailed',
  streamType,
  schemaVersion: V.RefundFailed,
  description:
    'The provider declined or refused the refund: nothing moved, and its amount is refundable again. Refund ' +
    'status: `FAILED`. The charges service records it as `ChargeRefundFailed`.',
  data: object<RefundFailed['data']>({ at, refundId: string, amount, failure: chargeFailureSchema }),
});

export const ChargebackOpenedContract = defineEvent<ChargebackOpened>({
  type: 'ChargebackOpened',
  streamType,
  schemaVersion: V.ChargebackOpened,
  description:
    'The provider reported that the consumer disputed `amount` of the charge (never more than is left after the ' +
    'refunds pending or succeeded and the other chargebacks open or lost). Chargeback status: `OPEN`; the amount ' +
    'is not refundable while it is open. The charges service records it as `ChargeChargebackOpened`.',
  data: object<ChargebackOpened['data']>({
    at,
    chargebackId: string,
    chargeId: string,
    merchantId: string,
    amount: moneySchema,
    reason: string,
  }),
});

export const ChargebackResolvedContract = defineEvent<ChargebackResolved>({
  type: 'ChargebackResolved',
  streamType,
  schemaVersion: V.ChargebackResolved,
  description:
    'The dispute was decided. Chargeback status: `WON` (the amount goes back to the merchant and is refundable again) or `LOST` ' +
    '(it stays with the consumer). The charges service records it as `ChargeChargebackResolved`.',
  data: object<ChargebackResolved['data']>({ at, chargebackId: string, amount, outcome: literal('WON', 'LOST') }),
});

export const refundEvents = eventParser<RefundEvent>(streamType, {
  RefundRequested: RefundRequestedContract,
  RefundPending: RefundPendingContract,
  RefundSucceeded: RefundSucceededContract,
  RefundFailed: RefundFailedContract,
  ChargebackOpened: ChargebackOpenedContract,
  ChargebackResolved: ChargebackResolvedContract,
});

/** A stored or consumed refund event in its current shape; null for a type this build does not know. */
export const parseRefundEvent = (stored: StoredEventLike): RefundEvent | null => refundEvents.parse(stored);

/** The refunds decider's `upcast`: as parseRefundEvent, and an unknown type is refused too. */
export const upcastRefundEvent = (stored: StoredEventLike): RefundEvent => refundEvents.upcast(stored);
