/**
 * From stored domain events to the events merchants receive (webhooks, `GET /v1/events`). Pure: the webhooks
 * service feeds it each stream's events in order, with the state it folded so far, and stores what comes out.
 *
 * A merchant event is a status change seen from outside: a charge, an agreement, a refund or a chargeback reaching a
 * status (or, on a charge, one of its refunds or chargebacks reaching one). So each stream is folded with its public
 * model's own fold (charge.model.ts, agreement.model.ts, refund.model.ts; no second fold here), and an event yields
 * merchant events exactly where the state before and after it differ in a status. `data` is the object as `GET`
 * shows it as of that event, plus its stream version, so a receiver that got a later update first can drop the
 * earlier one. Ids are derived from the domain event's id, so consuming an event twice yields the same ids (the
 * webhooks service dedupes on them, and `webhook-id` stays the same across retries).
 *
 * Which domain events may yield merchant events is a total table per stream type (WEBHOOK_MAPPINGS): every domain
 * event type of the catalogue says "merchant-facing" (and how its type is chosen) or "internal" (and why), so a new
 * domain event type does not compile until someone decides. Billing-schedule streams are internal throughout.
 */
import type { StoredEventLike } from '../events/event-contract';
import type { AgreementEvent } from '../events/agreement-events';
import { parseAgreementEvent } from '../events/agreement-event-contracts';
import type { ChargeEventType } from '../events/charge-events';
import { parseChargeEvent } from '../events/charge-event-contracts';
import type { RefundEventType } from '../events/refund-events';
import { chargeIdOfRefundStream } from '../events/refund-events';
import { parseRefundEvent } from '../events/refund-event-contracts';
import type { WebhookEndpointEventType } from '../events/webhook-endpoint-events';
import { parseWebhookEndpointEvent } from '../events/webhook-endpoint-event-contracts';
import {
  type AgreementState,
  agreementExists,
  evolveAgreement,
  initialAgreementState,
  toPaymentAgreementResource,
} from '../models/agreement.model';
import type { StoredStreamEvent } from '../models/as-of';
import {
  type ChargeState,
  chargebacksOf,
  chargeExists,
  evolveCharge,
  initialChargeState,
  refundsOf,
  toPaymentChargeResource,
} from '../models/charge.model';
import {
  type ChargeRefundsState,
  evolveChargeRefunds,
  initialChargeRefundsState,
  toChargebackResource,
  toRefundResource,
} from '../models/refund.model';
import {
  AGREEMENT_STATUS_EVENT_TYPES,
  CHARGE_CHARGEBACK_EVENT_TYPES,
  CHARGE_REFUND_EVENT_TYPES,
  CHARGE_STATUS_EVENT_TYPES,
  CHARGEBACK_STATUS_EVENT_TYPES,
  type MerchantObjectType,
  REFUND_STATUS_EVENT_TYPES,
  type WebhookEndpointDisabledData,
  type WebhookEventType,
} from './webhook-event-types';

export type { MerchantObjectType } from './webhook-event-types';

export interface MerchantEvent {
  /**
   * Deterministic: the domain event's id for its first merchant event, `<eventId>_<n>` for the n-th further one
   * when one domain event yields several; re-consuming yields the same ids.
   */
  id: string;
  type: WebhookEventType;
  merchantId: string;
  objectType: MerchantObjectType;
  /** The public id of the object (charge, agreement, refund or chargeback id): the envelope's `subject`. */
  objectId: string;
  /** The stream the domain event is in. */
  streamId: string;
  /** The domain event's stream version (also `data.streamVersion`). */
  streamVersion: number;
  /** Copied from the stored event when given (as a decimal string: positions outgrow a JSON number). */
  globalPosition?: string;
  /** ISO 8601 of the domain event's recordedAt. */
  time: string;
  /** The object's public representation as of that event (the shape GET returns), plus `streamVersion`. */
  data: Record<string, unknown> & { streamVersion: number };
  /**
   * The object's own webhooksUrl (charges and agreements that set one, and a charge's refund and chargeback
   * progress on the charge), else null. A refund stream does not carry its charge's webhooksUrl: for `refund` and
   * `chargeback` objects this is null, and the webhooks service takes the charge's from its own charge events.
   */
  objectWebhooksUrl: string | null;
}

/** A stored event as the event store reads it back (RecordedEvent is one) or as a Kafka consumer decodes it. */
export type StoredLikeEvent = StoredEventLike & {
  eventId: string;
  streamId: string;
  streamVersion: number;
  recordedAt: Date | string;
  globalPosition?: string | bigint | number;
};

/** Per stream type ('charge' | 'agreement' | 'refund'): folds a stream event by event and names the merchant events each event yields. */
export interface MerchantEventSource<State> {
  streamType: string;
  initialState: State;
  /** Parses (checked and upcast; MalformedEvent for a broken one) and folds; an unknown event type changes nothing. */
  evolve(state: State, event: StoredStreamEvent): State;
  /** The merchant events of `event`, given the states before and after it (`after = evolve(before, event)`). */
  merchantEventsOf(before: State, after: State, event: StoredLikeEvent): MerchantEvent[];
}

/** Whether a domain event type can yield merchant events, and how; or why it never does. */
export type WebhookMapping = { merchantFacing: true; typeChosenBy: string } | { merchantFacing: false; why: string };

const byChargeStatus = 'the charge status it leads to, when it changes the status (CHARGE_STATUS_EVENT_TYPES)';
const chargeRefundStep =
  "the refund's new status on the charge (CHARGE_REFUND_EVENT_TYPES), then the charge status when that changes";
const chargeChargebackStep = "the chargeback's new status on the charge (CHARGE_CHARGEBACK_EVENT_TYPES)";
const byAgreementStatus =
  'the agreement status it leads to, when it changes (AGREEMENT_STATUS_EVENT_TYPES; REVOKED by `revokedBy`)';

/** Every domain event type of the charge, agreement and refund catalogues: merchant-facing or internal. */
export const WEBHOOK_MAPPINGS: {
  charge: Record<ChargeEventType, WebhookMapping>;
  agreement: Record<AgreementEvent['type'], WebhookMapping>;
  refund: Record<RefundEventType, WebhookMapping>;
  'webhook-endpoint': Record<WebhookEndpointEventType, WebhookMapping>;
} = {
  charge: {
    ChargeCreated: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeAuthenticationCompleted: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeAuthenticationFailed: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeAuthorizationRequested: {
      merchantFacing: false,
      why: 'an intent recorded before the provider call; the status stays as it is',
    },
    ChargeAuthorizationPending: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeAuthorized: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeAuthorizationDeclined: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeCaptureRequested: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeCaptured: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeCaptureFailed: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeVoidRequested: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeVoided: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeVoidFailed: { merchantFacing: true, typeChosenBy: byChargeStatus },
    ChargeRefundPending: { merchantFacing: true, typeChosenBy: chargeRefundStep },
    ChargeRefundSucceeded: { merchantFacing: true, typeChosenBy: chargeRefundStep },
    ChargeRefundFailed: { merchantFacing: true, typeChosenBy: chargeRefundStep },
    ChargeChargebackOpened: { merchantFacing: true, typeChosenBy: chargeChargebackStep },
    ChargeChargebackResolved: { merchantFacing: true, typeChosenBy: chargeChargebackStep },
  },
  agreement: {
    AgreementCreated: { merchantFacing: true, typeChosenBy: byAgreementStatus },
    AgreementActivated: { merchantFacing: true, typeChosenBy: byAgreementStatus },
    AgreementAuthenticationFailed: { merchantFacing: true, typeChosenBy: byAgreementStatus },
    AgreementRevoked: { merchantFacing: true, typeChosenBy: byAgreementStatus },
    AgreementChargeRequested: {
      merchantFacing: false,
      why: "the agreement's own bookkeeping of a charge it asked for; the charge's events tell the merchant",
    },
    AgreementChargeSettled: {
      merchantFacing: false,
      why: "the agreement's record of a charge's outcome, already sent as that charge's event",
    },
    AgreementMarkedPastDue: { merchantFacing: true, typeChosenBy: byAgreementStatus },
  },
  refund: {
    RefundRequested: { merchantFacing: true, typeChosenBy: "the refund's status (REFUND_STATUS_EVENT_TYPES)" },
    RefundPending: {
      merchantFacing: false,
      why: 'the provider will settle later: the refund stays REFUND_PENDING (its retry timer is internal)',
    },
    RefundSucceeded: { merchantFacing: true, typeChosenBy: "the refund's status (REFUND_STATUS_EVENT_TYPES)" },
    RefundFailed: { merchantFacing: true, typeChosenBy: "the refund's status (REFUND_STATUS_EVENT_TYPES)" },
    ChargebackOpened: {
      merchantFacing: true,
      typeChosenBy: "the chargeback's status (CHARGEBACK_STATUS_EVENT_TYPES)",
    },
    ChargebackResolved: {
      merchantFacing: true,
      typeChosenBy: "the chargeback's status (CHARGEBACK_STATUS_EVENT_TYPES)",
    },
  },
  'webhook-endpoint': {
    WebhookEndpointDisabled: { merchantFacing: true, typeChosenBy: 'always WEBHOOK_ENDPOINT_DISABLED' },
  },
};

/** Whether the table lets this event of this stream type yield merchant events (unknown types: no). */
function isMerchantFacing(streamType: keyof typeof WEBHOOK_MAPPINGS, type: string): boolean {
  const table: Record<string, WebhookMapping> = WEBHOOK_MAPPINGS[streamType];
  return Object.prototype.hasOwnProperty.call(table, type) && table[type].merchantFacing;
}

type Change = Pick<MerchantEvent, 'type' | 'objectType' | 'objectId' | 'merchantId' | 'objectWebhooksUrl'> & {
  resource: object;
};

/** The merchant events of one domain event, in the order its changes were found. */
function merchantEvents(event: StoredLikeEvent, changes: Change[]): MerchantEvent[] {
  const time = new Date(event.recordedAt).toISOString();
  return changes.map((change, index) => ({
    id: index === 0 ? event.eventId : `${event.eventId}_${index}`,
    type: change.type,
    merchantId: change.merchantId,
    objectType: change.objectType,
    objectId: change.objectId,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    ...(event.globalPosition !== undefined ? { globalPosition: String(event.globalPosition) } : {}),
    time,
    data: { ...(change.resource as Record<string, unknown>), streamVersion: event.streamVersion },
    objectWebhooksUrl: change.objectWebhooksUrl,
  }));
}

/** Entries (refunds or chargebacks) whose status is new or changed from `before` to `after`, in `after`'s order. */
function changedEntries<Entry extends { id: string; status: string }>(before: Entry[], after: Entry[]): Entry[] {
  return after.filter((entry) => before.find((b) => b.id === entry.id)?.status !== entry.status);
}

export const chargeMerchantEvents: MerchantEventSource<ChargeState> = {
  streamType: 'charge',
  initialState: initialChargeState,
  evolve(state, stored) {
    const event = parseChargeEvent(stored);
    return event ? evolveCharge(state, event) : state;
  },
  merchantEventsOf(before, after, event) {
    if (!isMerchantFacing('charge', event.type) || !chargeExists(after)) return [];
    const resource = toPaymentChargeResource(after);
    const about = {
      objectType: 'payment_charge' as const,
      objectId: after.id,
      merchantId: after.merchant.id,
      objectWebhooksUrl: after.webhooksUrl,
      resource,
    };
    const existed = chargeExists(before);
    // A refund's or chargeback's step first: it is what changed the charge's status, if anything did.
    const refunds = changedEntries(existed ? refundsOf(before) : [], refundsOf(after));
    const chargebacks = changedEntries(existed ? chargebacksOf(before) : [], chargebacksOf(after));
    const changes: Change[] = [
      ...refunds.map((r) => ({ ...about, type: CHARGE_REFUND_EVENT_TYPES[r.status] })),
      ...chargebacks.map((c) => ({ ...about, type: CHARGE_CHARGEBACK_EVENT_TYPES[c.status] })),
    ];
    if (before.status !== after.status) changes.push({ ...about, type: CHARGE_STATUS_EVENT_TYPES[after.status] });
    return merchantEvents(event, changes);
  },
};

export const agreementMerchantEvents: MerchantEventSource<AgreementState> = {
  streamType: 'agreement',
  initialState: initialAgreementState,
  evolve(state, stored) {
    const event = parseAgreementEvent(stored);
    return event ? evolveAgreement(state, event) : state;
  },
  merchantEventsOf(before, after, event) {
    if (!isMerchantFacing('agreement', event.type) || !agreementExists(after)) return [];
    if (before.status === after.status) return [];
    const type =
      after.status === 'REVOKED'
        ? AGREEMENT_STATUS_EVENT_TYPES.REVOKED[after.revokedBy ?? 'MERCHANT']
        : AGREEMENT_STATUS_EVENT_TYPES[after.status];
    return merchantEvents(event, [
      {
        type,
        objectType: 'payment_agreement',
        objectId: after.id,
        merchantId: after.merchant.id,
        objectWebhooksUrl: after.webhooksUrl,
        resource: toPaymentAgreementResource(after),
      },
    ]);
  },
};

export const refundMerchantEvents: MerchantEventSource<ChargeRefundsState> = {
  streamType: 'refund',
  initialState: initialChargeRefundsState,
  evolve(state, stored) {
    const event = parseRefundEvent(stored);
    return event ? evolveChargeRefunds(state, event) : state;
  },
  merchantEventsOf(before, after, event) {
    if (!isMerchantFacing('refund', event.type) || after.merchantId === null) return [];
    const merchantId = after.merchantId;
    const changes: Change[] = [
      ...changedEntries(before.refunds, after.refunds).map((refund) => ({
        type: REFUND_STATUS_EVENT_TYPES[refund.status],
        objectType: 'refund' as const,
        objectId: refund.id,
        merchantId,
        objectWebhooksUrl: null,
        resource: toRefundResource(refund),
      })),
      ...changedEntries(before.chargebacks, after.chargebacks).map((chargeback) => ({
        type: CHARGEBACK_STATUS_EVENT_TYPES[chargeback.status],
        objectType: 'chargeback' as const,
        objectId: chargeback.id,
        merchantId,
        objectWebhooksUrl: null,
        resource: toChargebackResource(chargeback),
      })),
    ];
    return merchantEvents(event, changes);
  },
};

/**
 * A webhook endpoint's own events (the webhooks service disabling it): no status to fold, each event is the merchant
 * event. `data` is WebhookEndpointDisabledData plus the stream version.
 */
export const webhookEndpointMerchantEvents: MerchantEventSource<null> = {
  streamType: 'webhook-endpoint',
  initialState: null,
  evolve: () => null,
  merchantEventsOf(_before, _after, event) {
    const parsed = isMerchantFacing('webhook-endpoint', event.type) ? parseWebhookEndpointEvent(event) : null;
    if (!parsed) return [];
    const { endpointId, merchantId, url, reason, at } = parsed.data;
    const data: WebhookEndpointDisabledData = { endpointId, url, reason, disabledAt: at };
    return merchantEvents(event, [
      {
        type: 'WEBHOOK_ENDPOINT_DISABLED',
        objectType: 'webhook_endpoint',
        objectId: endpointId,
        merchantId,
        objectWebhooksUrl: null,
        resource: data,
      },
    ]);
  },
};

const SOURCES: Record<keyof typeof WEBHOOK_MAPPINGS, MerchantEventSource<unknown>> = {
  charge: chargeMerchantEvents as MerchantEventSource<unknown>,
  agreement: agreementMerchantEvents as MerchantEventSource<unknown>,
  refund: refundMerchantEvents as MerchantEventSource<unknown>,
  'webhook-endpoint': webhookEndpointMerchantEvents as MerchantEventSource<unknown>,
};

/** The source of a stream type's merchant events; undefined for stream types merchants hear nothing of. */
export function merchantEventSourceOf(streamType: string): MerchantEventSource<unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(SOURCES, streamType)
    ? SOURCES[streamType as keyof typeof SOURCES]
    : undefined;
}

/** Convenience: all merchant events of a whole stream prefix (events in stream order). */
export function merchantEventsOfStream(streamType: string, events: readonly StoredLikeEvent[]): MerchantEvent[] {
  const source = merchantEventSourceOf(streamType);
  if (!source) return [];
  const out: MerchantEvent[] = [];
  let state = source.initialState;
  for (const event of events) {
    const after = source.evolve(state, event);
    out.push(...source.merchantEventsOf(state, after, event));
    state = after;
  }
  return out;
}

/** The charge a refund stream belongs to (for the webhooks service to look up the charge's webhooksUrl). */
export const chargeIdOfMerchantEvent = (event: MerchantEvent): string | null =>
  event.objectType === 'payment_charge'
    ? event.objectId
    : event.streamId.startsWith('refund:')
      ? chargeIdOfRefundStream(event.streamId)
      : null;

/** A CloudEvents 1.0 JSON envelope: what a webhook's body and an entry of `GET /v1/events` are. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: WebhookEventType;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: Record<string, unknown>;
}

/**
 * The envelope's default `source`: the collection the object is read from (`GET <source>/<subject>`). Chargebacks are
 * read through their charge.
 */
export function merchantEventSource(event: MerchantEvent): string {
  switch (event.objectType) {
    case 'payment_charge':
      return '/v1/payment-charges';
    case 'payment_agreement':
      return '/v1/payment-agreements';
    case 'refund':
      return '/v1/refunds';
    case 'chargeback':
      return `/v1/payment-charges/${String(event.data.paymentChargeId)}/chargebacks`;
    case 'webhook_endpoint':
      return '/v1/webhook-endpoints';
  }
}

/** `source`: the object's collection (merchantEventSource) unless a URI reference is given; `subject`: the object id. */
export function toCloudEvent(event: MerchantEvent, source?: string): CloudEvent {
  return {
    specversion: '1.0',
    id: event.id,
    source: source ?? merchantEventSource(event),
    type: event.type,
    subject: event.objectId,
    time: event.time,
    datacontenttype: 'application/json',
    data: event.data,
  };
}
