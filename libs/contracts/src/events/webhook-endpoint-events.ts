/**
 * The events of a `webhook-endpoint:<endpointId>` stream (owned by the webhooks service). An endpoint itself is a
 * relational record (apps/webhooks, TypeORM); what happens to it that a merchant must hear of, and an analyst can
 * replay, is recorded here: the service disabling it. Documented in docs/events.md; a stored event is never changed.
 */

/**
 * The webhooks service disabled the endpoint: it answered 410 Gone (`GONE`), or every attempt to it failed for
 * WEBHOOK_DISABLE_AFTER_MS (`FAILING`, 5 days by default). Its pending deliveries are held; the merchant hears of it as
 * `WEBHOOK_ENDPOINT_DISABLED` at its other endpoints (and in `GET /v1/events`).
 */
export interface WebhookEndpointDisabled {
  type: 'WebhookEndpointDisabled';
  data: {
    /** When (ISO 8601), from the service clock. */
    at: string;
    endpointId: string;
    merchantId: string;
    url: string;
    reason: 'GONE' | 'FAILING';
    /** Since when every attempt had failed (ISO 8601); null when one answer (410) disabled it. */
    failingSince: string | null;
  };
}

export type WebhookEndpointEvent = WebhookEndpointDisabled;
export type WebhookEndpointEventType = WebhookEndpointEvent['type'];

export const WEBHOOK_ENDPOINT_EVENT_SCHEMA_VERSIONS: Record<WebhookEndpointEventType, number> = {
  WebhookEndpointDisabled: 1,
};

/** The stream of one webhook endpoint. */
export const webhookEndpointStreamId = (endpointId: string): string => `webhook-endpoint:${endpointId}`;
