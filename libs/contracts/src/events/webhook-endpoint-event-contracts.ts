/**
 * The contracts of the `webhook-endpoint` stream's events (types in webhook-endpoint-events.ts): schema version,
 * meaning, payload check. `parseWebhookEndpointEvent` is how any service reads one.
 */
import { defineEvent, eventParser, type StoredEventLike } from './event-contract';
import { literal, noted, nullable, object, string } from './schema';
import {
  WEBHOOK_ENDPOINT_EVENT_SCHEMA_VERSIONS as V,
  type WebhookEndpointDisabled,
  type WebhookEndpointEvent,
} from './webhook-endpoint-events';

const streamType = 'webhook-endpoint';

export const WebhookEndpointDisabledContract = defineEvent<WebhookEndpointDisabled>({
  type: 'WebhookEndpointDisabled',
  streamType,
  schemaVersion: V.WebhookEndpointDisabled,
  description:
    'The webhooks service disabled the endpoint: it answered 410 Gone (`GONE`), or every attempt to it failed for ' +
    'WEBHOOK_DISABLE_AFTER_MS (`FAILING`, 5 days by default). Its pending deliveries are held until the merchant ' +
    're-enables it and redelivers them. Merchants hear of it as `WEBHOOK_ENDPOINT_DISABLED`.',
  data: object<WebhookEndpointDisabled['data']>({
    at: noted(string, 'ISO 8601, from the service clock'),
    endpointId: string,
    merchantId: string,
    url: string,
    reason: literal('GONE', 'FAILING'),
    failingSince: noted(nullable(string), 'since when every attempt had failed; null when a 410 disabled it'),
  }),
});

export const webhookEndpointEvents = eventParser<WebhookEndpointEvent>(streamType, {
  WebhookEndpointDisabled: WebhookEndpointDisabledContract,
});

/** A stored or consumed webhook endpoint event in its current shape; null for a type this build does not know. */
export const parseWebhookEndpointEvent = (stored: StoredEventLike): WebhookEndpointEvent | null =>
  webhookEndpointEvents.parse(stored);
