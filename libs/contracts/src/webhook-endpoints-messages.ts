/**
 * Webhook endpoints (the merchant's URLs that receive signed deliveries) as the API shows them, and the request/response
 * messages of the webhooks service's TCP transport (through the RPC kit), used by the gateway. Merchant patterns name
 * their merchant (`merchantId`); errors come back as `RemoteError`.
 */
import type { RequestContext } from './charges-messages';
import type { WebhookEventType } from './webhooks/webhook-event-types';

export const WEBHOOK_ENDPOINT_STATUSES = ['ENABLED', 'DISABLED'] as const;
export type WebhookEndpointStatus = (typeof WEBHOOK_ENDPOINT_STATUSES)[number];

/** Why an endpoint is disabled: the receiver answered 410 Gone, it failed for 5 days in a row, or you disabled it. */
export const WEBHOOK_ENDPOINT_DISABLED_REASONS = ['ENDPOINT_GONE', 'FAILING', 'MERCHANT'] as const;
export type WebhookEndpointDisabledReason = (typeof WEBHOOK_ENDPOINT_DISABLED_REASONS)[number];

/** The longest endpoint description, in characters. */
export const WEBHOOK_ENDPOINT_DESCRIPTION_MAX_LENGTH = 500;
/** The longest endpoint URL, in characters. */
export const WEBHOOK_ENDPOINT_URL_MAX_LENGTH = 2048;

export interface WebhookEndpointResource {
  webhookEndpointId: string;
  url: string;
  description: string | null;
  /** The event types sent to it; null: every type. */
  eventTypes: WebhookEventType[] | null;
  status: WebhookEndpointStatus;
  disabledReason: WebhookEndpointDisabledReason | null;
  /** Until when the secret before the last rotation still signs too; null when there is none. */
  previousSecretExpiresAt: string | null;
  creationTimestamp: string;
  updateTimestamp: string;
}

/** Answered once, on creation and on a rotation: the signing secret is never shown again. */
export interface WebhookEndpointWithSecret extends WebhookEndpointResource {
  /** `whsec_…`: verify each delivery's `webhook-signature` with it (Standard Webhooks). */
  secret: string;
}

export interface WebhookEndpointList {
  data: WebhookEndpointResource[];
  hasMore: boolean;
  nextCursor: string | null;
}

export const WEBHOOKS_PATTERNS = {
  createEndpoint: 'webhooks.endpoints.create',
  getEndpoint: 'webhooks.endpoints.get',
  listEndpoints: 'webhooks.endpoints.list',
  updateEndpoint: 'webhooks.endpoints.update',
  deleteEndpoint: 'webhooks.endpoints.delete',
  rotateEndpointSecret: 'webhooks.endpoints.rotate-secret',
  sendTestEvent: 'webhooks.endpoints.test-event',
  rotateMerchantSecret: 'webhooks.merchant-secret.rotate',
} as const;

/** The merchant's default signing secret after a rotation: it signs deliveries to charges' and agreements' own webhooksUrl. */
export interface WebhookSigningSecretRotation {
  /** `whsec_…`, shown this once. */
  secret: string;
  /** Until when the secret it replaces still signs too; null when there was none (the first one). */
  previousSecretExpiresAt: string | null;
}

export interface RotateMerchantSecretMessage extends RequestContext {
  merchantId: string;
}

export interface CreateWebhookEndpointMessage extends RequestContext {
  merchantId: string;
  /** `we_…`, derived from the request's idempotency key: a retried request names the same endpoint. */
  endpointId: string;
  url: string;
  eventTypes: WebhookEventType[] | null;
  description: string | null;
}

export interface WebhookEndpointMessage extends RequestContext {
  merchantId: string;
  endpointId: string;
}

export interface ListWebhookEndpointsMessage extends RequestContext {
  merchantId: string;
  limit: number;
  /** The last endpoint id of the previous page (newest first): this page starts after it. */
  startingAfter?: string;
}

export interface UpdateWebhookEndpointMessage extends WebhookEndpointMessage {
  url?: string;
  /** null: every type. */
  eventTypes?: WebhookEventType[] | null;
  description?: string | null;
  /** 'ENABLED' re-enables a disabled endpoint (its deliveries held while it was disabled can then be sent again). */
  status?: WebhookEndpointStatus;
}

/** What a test event did: the attempt made at once. */
export interface WebhookTestEventResult {
  eventId: string;
  deliveryId: string;
  /** The receiver's HTTP status, or null when no answer came (`error` says why). */
  responseStatus: number | null;
  succeeded: boolean;
  error: string | null;
}
