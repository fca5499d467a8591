/**
 * The event types merchants receive as webhooks (and read from `GET /v1/events`): one per status a charge, an
 * agreement, a refund or a chargeback reaches, plus the progress of refunds and chargebacks as the charge records
 * them, plus two the webhooks service emits about an endpoint itself. They are the public names; the domain events
 * (libs/contracts/src/events) are internal and never sent. Which domain event yields which type is
 * merchant-events.ts; docs/webhooks.md (`npm run docs:webhooks`) and the gateway's OpenAPI `x-webhooks` are made
 * from this list, so a type added here is documented everywhere or a test fails.
 */
import type { AgreementStatus, RevokedBy } from '../payment-agreement';
import type { ChargeStatus } from '../payment-charge';
import type { ChargebackStatus, RefundStatus } from '../payment-refund';

/** What a merchant event is about: its `subject` is that object's id, its `data` that object. */
export type MerchantObjectType = 'payment_charge' | 'payment_agreement' | 'refund' | 'chargeback' | 'webhook_endpoint';

export interface WebhookEventTypeDefinition {
  /** The object the event's `data` is (`webhook_endpoint` for the service's own events). */
  objectType: MerchantObjectType;
  /** One line: what happened (docs/webhooks.md, the OpenAPI description). */
  meaning: string;
  /** The name of `data`'s shape: the OpenAPI component schema of the object as `GET` returns it. */
  dataSchema: string;
}

const charge = (meaning: string): WebhookEventTypeDefinition => ({
  objectType: 'payment_charge',
  meaning,
  dataSchema: 'PaymentCharge',
});
const agreement = (meaning: string): WebhookEventTypeDefinition => ({
  objectType: 'payment_agreement',
  meaning,
  dataSchema: 'PaymentAgreement',
});
const refund = (meaning: string): WebhookEventTypeDefinition => ({
  objectType: 'refund',
  meaning,
  dataSchema: 'PaymentChargeRefund',
});
const chargeback = (meaning: string): WebhookEventTypeDefinition => ({
  objectType: 'chargeback',
  meaning,
  dataSchema: 'PaymentChargeChargeback',
});

/** Every merchant-facing type, in the order docs/webhooks.md lists them. */
export const WEBHOOK_EVENT_TYPE_DEFINITIONS = {
  PAYMENT_CHARGE_AUTHORIZATION_PROCESSING: charge(
    'The charge is being authorized (status `AUTHORIZATION_PROCESSING`): a merchant-initiated charge was made, or ' +
      'the consumer finished the redirect.',
  ),
  PAYMENT_CHARGE_AUTHENTICATION_PENDING: charge(
    'The charge was made and waits for the consumer to finish the redirect in `authenticationMethods[]` (status ' +
      '`AUTHENTICATION_PENDING`).',
  ),
  PAYMENT_CHARGE_AUTHORIZATION_ASYNC: charge(
    'The provider will confirm the authorization later (status `AUTHORIZATION_ASYNC`).',
  ),
  PAYMENT_CHARGE_CAPTURE_PENDING: charge(
    'The amount is authorized and waits for your capture (status `CAPTURE_PENDING`, manual capture).',
  ),
  PAYMENT_CHARGE_CAPTURE_PROCESSING: charge('A capture was asked of the provider (status `CAPTURE_PROCESSING`).'),
  PAYMENT_CHARGE_CAPTURE_SUCCEEDED: charge('The amount was captured (status `CAPTURED`).'),
  PAYMENT_CHARGE_REFUND_PROCESSING: charge(
    'A refund of the charge is pending (status `REFUND_PROCESSING`); sent with the refund that made it so.',
  ),
  PAYMENT_CHARGE_REFUNDED: charge('Refunds that succeeded add up to all that was captured (status `REFUNDED`).'),
  PAYMENT_CHARGE_VOID_PROCESSING: charge(
    'A void of the authorization was asked of the provider (status `VOID_PROCESSING`).',
  ),
  PAYMENT_CHARGE_VOID_SUCCEEDED: charge('The authorization was released and nothing was captured (status `VOIDED`).'),
  PAYMENT_CHARGE_FAILED: charge(
    'The charge failed: declined, canceled by the consumer, or the redirect was not finished in time (status ' +
      '`FAILED`; `failure` says why).',
  ),
  PAYMENT_CHARGE_DISCARDED: charge('The charge was never authenticated and was discarded (status `DISCARDED`).'),
  PAYMENT_CHARGE_REFUND_PENDING: charge('A refund of the charge was requested and is pending (in `refunds[]`).'),
  PAYMENT_CHARGE_REFUND_SUCCEEDED: charge('A refund of the charge succeeded (in `refunds[]`).'),
  PAYMENT_CHARGE_REFUND_FAILED: charge(
    'A refund of the charge failed; its amount is refundable again (in `refunds[]`).',
  ),
  PAYMENT_CHARGE_CHARGEBACK_OPENED: charge('The consumer disputed part or all of the charge (in `chargebacks[]`).'),
  PAYMENT_CHARGE_CHARGEBACK_WON: charge('A chargeback of the charge was resolved in your favour (in `chargebacks[]`).'),
  PAYMENT_CHARGE_CHARGEBACK_LOST: charge(
    "A chargeback of the charge was resolved in the consumer's favour (in `chargebacks[]`).",
  ),
  PAYMENT_AGREEMENT_INITIALIZING: agreement('The agreement is being set up (status `INITIALIZING`).'),
  PAYMENT_AGREEMENT_AUTHENTICATION_PENDING: agreement(
    'The agreement was made and waits for the consumer to consent through the redirect (status ' +
      '`AUTHENTICATION_PENDING`).',
  ),
  PAYMENT_AGREEMENT_ACTIVE: agreement(
    'The consumer consented: charges can be made under the agreement (status `ACTIVE`).',
  ),
  PAYMENT_AGREEMENT_PAST_DUE: agreement(
    'A charge under the agreement was declined in a way only the consumer can fix (status `PAST_DUE`).',
  ),
  PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT: agreement(
    'You revoked the agreement (status `REVOKED`, `revokedBy` MERCHANT).',
  ),
  PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER: agreement(
    'The consumer revoked the agreement (status `REVOKED`, `revokedBy` CONSUMER).',
  ),
  PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER: agreement(
    'The provider revoked the agreement (status `REVOKED`, `revokedBy` PROVIDER).',
  ),
  PAYMENT_AGREEMENT_FAILED: agreement(
    'The consumer canceled the consent or did not finish it in time (status `FAILED`).',
  ),
  PAYMENT_REFUND_PENDING: refund('A refund was requested and is pending (status `REFUND_PENDING`).'),
  PAYMENT_REFUND_SUCCEEDED: refund('The refund succeeded: the money went back to the consumer (status `SUCCEEDED`).'),
  PAYMENT_REFUND_FAILED: refund(
    'The refund failed; nothing moved and the amount is refundable again (status `FAILED`; `failure` says why).',
  ),
  PAYMENT_CHARGEBACK_OPENED: chargeback('The consumer disputed an amount of a charge (status `OPEN`).'),
  PAYMENT_CHARGEBACK_WON: chargeback('The chargeback was resolved in your favour (status `WON`).'),
  PAYMENT_CHARGEBACK_LOST: chargeback("The chargeback was resolved in the consumer's favour (status `LOST`)."),
  WEBHOOK_ENDPOINT_DISABLED: {
    objectType: 'webhook_endpoint',
    meaning:
      'The webhooks service disabled one of your endpoints (it answered 410, or failed continuously for 5 days); ' +
      'its pending deliveries wait until you re-enable it.',
    dataSchema: 'WebhookEndpointDisabledData',
  },
  WEBHOOK_ENDPOINT_TEST: {
    objectType: 'webhook_endpoint',
    meaning: 'A test event you asked for (`POST /v1/webhook-endpoints/{id}/test-events`); nothing happened.',
    dataSchema: 'WebhookEndpointTestData',
  },
} as const satisfies Record<string, WebhookEventTypeDefinition>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPE_DEFINITIONS;

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = Object.freeze(
  Object.keys(WEBHOOK_EVENT_TYPE_DEFINITIONS) as WebhookEventType[],
);

export function isWebhookEventType(value: string): value is WebhookEventType {
  return Object.prototype.hasOwnProperty.call(WEBHOOK_EVENT_TYPE_DEFINITIONS, value);
}

/** `data` of WEBHOOK_ENDPOINT_DISABLED (no stream version: an endpoint is not an event-sourced object). */
export interface WebhookEndpointDisabledData {
  /** `we_…` */
  endpointId: string;
  url: string;
  /** `GONE` (the endpoint answered 410) or `FAILING` (it failed continuously for 5 days). */
  reason: 'GONE' | 'FAILING';
  disabledAt: string;
}

/** `data` of WEBHOOK_ENDPOINT_TEST. */
export interface WebhookEndpointTestData {
  endpointId: string;
  message: string;
}

// The status each type stands for. Records over the status unions: a status added to a model without a type here
// does not compile.

/** The type of a charge reaching each status. */
export const CHARGE_STATUS_EVENT_TYPES: Record<ChargeStatus, WebhookEventType> = {
  AUTHORIZATION_PROCESSING: 'PAYMENT_CHARGE_AUTHORIZATION_PROCESSING',
  AUTHENTICATION_PENDING: 'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
  AUTHORIZATION_ASYNC: 'PAYMENT_CHARGE_AUTHORIZATION_ASYNC',
  CAPTURE_PENDING: 'PAYMENT_CHARGE_CAPTURE_PENDING',
  CAPTURE_PROCESSING: 'PAYMENT_CHARGE_CAPTURE_PROCESSING',
  CAPTURED: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
  REFUND_PROCESSING: 'PAYMENT_CHARGE_REFUND_PROCESSING',
  REFUNDED: 'PAYMENT_CHARGE_REFUNDED',
  VOID_PROCESSING: 'PAYMENT_CHARGE_VOID_PROCESSING',
  VOIDED: 'PAYMENT_CHARGE_VOID_SUCCEEDED',
  FAILED: 'PAYMENT_CHARGE_FAILED',
  DISCARDED: 'PAYMENT_CHARGE_DISCARDED',
};

/** The type of a refund reaching each status, as the charge records it (`refunds[]`; data: the charge). */
export const CHARGE_REFUND_EVENT_TYPES: Record<RefundStatus, WebhookEventType> = {
  REFUND_PENDING: 'PAYMENT_CHARGE_REFUND_PENDING',
  SUCCEEDED: 'PAYMENT_CHARGE_REFUND_SUCCEEDED',
  FAILED: 'PAYMENT_CHARGE_REFUND_FAILED',
};

/** The type of a chargeback reaching each status, as the charge records it (`chargebacks[]`; data: the charge). */
export const CHARGE_CHARGEBACK_EVENT_TYPES: Record<ChargebackStatus, WebhookEventType> = {
  OPEN: 'PAYMENT_CHARGE_CHARGEBACK_OPENED',
  WON: 'PAYMENT_CHARGE_CHARGEBACK_WON',
  LOST: 'PAYMENT_CHARGE_CHARGEBACK_LOST',
};

/** The type of an agreement reaching each status; REVOKED says by whom. */
export const AGREEMENT_STATUS_EVENT_TYPES: Record<Exclude<AgreementStatus, 'REVOKED'>, WebhookEventType> & {
  REVOKED: Record<RevokedBy, WebhookEventType>;
} = {
  INITIALIZING: 'PAYMENT_AGREEMENT_INITIALIZING',
  AUTHENTICATION_PENDING: 'PAYMENT_AGREEMENT_AUTHENTICATION_PENDING',
  ACTIVE: 'PAYMENT_AGREEMENT_ACTIVE',
  PAST_DUE: 'PAYMENT_AGREEMENT_PAST_DUE',
  REVOKED: {
    MERCHANT: 'PAYMENT_AGREEMENT_REVOKED_BY_MERCHANT',
    CONSUMER: 'PAYMENT_AGREEMENT_REVOKED_BY_CONSUMER',
    PROVIDER: 'PAYMENT_AGREEMENT_REVOKED_BY_PROVIDER',
  },
  FAILED: 'PAYMENT_AGREEMENT_FAILED',
};

/** The type of a refund (the refund object; data: the refund) reaching each status. */
export const REFUND_STATUS_EVENT_TYPES: Record<RefundStatus, WebhookEventType> = {
  REFUND_PENDING: 'PAYMENT_REFUND_PENDING',
  SUCCEEDED: 'PAYMENT_REFUND_SUCCEEDED',
  FAILED: 'PAYMENT_REFUND_FAILED',
};

/** The type of a chargeback (the chargeback object; data: the chargeback) reaching each status. */
export const CHARGEBACK_STATUS_EVENT_TYPES: Record<ChargebackStatus, WebhookEventType> = {
  OPEN: 'PAYMENT_CHARGEBACK_OPENED',
  WON: 'PAYMENT_CHARGEBACK_WON',
  LOST: 'PAYMENT_CHARGEBACK_LOST',
};
