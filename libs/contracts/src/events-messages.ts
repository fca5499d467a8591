/**
 * The merchant's event log (`/v1/events`) and redeliveries, as the API shows them, and the request/response messages
 * of the webhooks service's TCP transport for them (through the RPC kit), used by the gateway. An event is the
 * CloudEvents envelope the deliveries send (`CloudEvent`, libs/contracts/src/webhooks): never an internal event type.
 */
import type { ListReadYourWrites, RequestContext } from './charges-messages';
import type { CloudEvent } from './webhooks/merchant-events';
import type { WebhookEventType } from './webhooks/webhook-event-types';

export const EVENTS_PATTERNS = {
  /** The merchant's events, newest first, filtered (from the merchant_events read model, read-your-writes). */
  list: 'webhooks.events.list',
  get: 'webhooks.events.get',
  /** An event's deliveries, each with its attempts. */
  listDeliveries: 'webhooks.events.deliveries',
  /** Sends an event again now to the merchant's endpoints that take its type (also after a success). */
  redeliver: 'webhooks.events.redeliver',
  /** Sends an endpoint's failed and held deliveries of a time range again. */
  redeliverEndpoint: 'webhooks.endpoints.redeliver',
} as const;

export interface EventList {
  data: CloudEvent[];
  hasMore: boolean;
  nextCursor: string | null;
}

export const WEBHOOK_DELIVERY_STATUSES = [
  'PENDING',
  'SUCCEEDED',
  'FAILED',
  'ENDPOINT_DISABLED',
  'SIGNING_SECRET_MISSING',
] as const;
/**
 * PENDING: to be sent (or retried); SUCCEEDED: answered 2xx; FAILED: given up after the retries (or 410);
 * ENDPOINT_DISABLED: held while its endpoint is disabled, until a redelivery; SIGNING_SECRET_MISSING: to an object's
 * own webhooksUrl, held (not sent) while the merchant has no default signing secret, until it creates one.
 */
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** One attempt of a delivery, as the log keeps it. */
export interface WebhookAttemptResource {
  attemptNumber: number;
  url: string;
  /** The request's headers (signatures included: they prove a body was signed and reveal no secret). */
  requestHeaders: Record<string, string>;
  /** The receiver's HTTP status; null when no answer came (`error` says why). */
  responseStatus: number | null;
  /** The start of the receiver's answer (a few KB at most). */
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
  attemptTimestamp: string;
}

/** One delivery of an event to one target, with every attempt of it. */
export interface WebhookDeliveryResource {
  deliveryId: string;
  eventId: string;
  /** The endpoint it goes to; null when it goes to the object's own `webhooksUrl`. */
  webhookEndpointId: string | null;
  status: WebhookDeliveryStatus;
  attemptCount: number;
  /** When it is tried next (PENDING); null otherwise. */
  nextAttemptTimestamp: string | null;
  /** Whether it is a redelivery (asked for with a POST …/redeliveries), not the event's first delivery. */
  redelivery: boolean;
  creationTimestamp: string;
  attempts: WebhookAttemptResource[];
}

export interface WebhookDeliveryList {
  data: WebhookDeliveryResource[];
}

/** What a redelivery queued: a new delivery per endpoint, sent now (after what its lane already has pending). */
export interface EventRedeliveryResult {
  eventId: string;
  deliveries: WebhookDeliveryResource[];
}

export interface EndpointRedeliveryResult {
  webhookEndpointId: string;
  /** How many deliveries were queued to be sent again. */
  queued: number;
}

export interface ListEventsMessage extends RequestContext, ListReadYourWrites {
  merchantId: string;
  limit: number;
  /** The last event id of the previous page (newest first): this page starts after it. */
  startingAfter?: string;
  type?: WebhookEventType;
  /** The object's id (the envelope's `subject`). */
  objectId?: string;
  /** Recorded at or after this instant (ISO 8601). */
  createdFrom?: string;
  /** Recorded before this instant (ISO 8601). */
  createdTo?: string;
}

export interface EventMessage extends RequestContext {
  merchantId: string;
  eventId: string;
}

export interface RedeliverEndpointMessage extends RequestContext {
  merchantId: string;
  endpointId: string;
  /** Deliveries created at or after this instant (ISO 8601). */
  from: string;
  /** Deliveries created before this instant (ISO 8601). */
  to: string;
}
