import {
  WEBHOOK_ENDPOINT_DESCRIPTION_MAX_LENGTH,
  WEBHOOK_ENDPOINT_STATUSES,
  WEBHOOK_ENDPOINT_URL_MAX_LENGTH,
  WEBHOOK_EVENT_TYPES,
} from '@payment-ledger/contracts';
import { array, type Infer, object, oneOf, optional, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';
import { SINGLE_LINE_TEXT } from '../http/text-rules';

/*
 * `POST` and `PATCH /v1/webhook-endpoints`. Only the shape here; whether the URL may be called (https, a public
 * address, or an allow-listed host) is the webhooks service's rule, checked again at every delivery.
 */

const url = string({
  minLength: 1,
  maxLength: WEBHOOK_ENDPOINT_URL_MAX_LENGTH,
  format: 'http-url',
  pattern: SINGLE_LINE_TEXT,
  description: 'Where deliveries are POSTed: https, on a public address',
  example: 'https://merchant.example/webhooks',
  // A URL of another shape, and one the webhooks service refuses to call (not https, not a public address).
  'x-failure-code': 'webhooks_url_not_allowed',
});
const eventTypes = array(oneOf(WEBHOOK_EVENT_TYPES), {
  minItems: 1,
  maxItems: WEBHOOK_EVENT_TYPES.length,
  description: 'Only these event types are sent to it; omit (or null) for every type',
  example: ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED', 'PAYMENT_CHARGE_FAILED'],
});
const description = string({
  maxLength: WEBHOOK_ENDPOINT_DESCRIPTION_MAX_LENGTH,
  pattern: SINGLE_LINE_TEXT,
  description: 'What it is for (kept for your records)',
  example: 'order fulfilment',
});

export const createWebhookEndpointBody = new RequestBody(
  object('CreateWebhookEndpointDto', {
    url,
    eventTypes: optional(eventTypes),
    description: optional(description),
  }),
);
export type CreateWebhookEndpointBody = Infer<typeof createWebhookEndpointBody.schema>;

export const updateWebhookEndpointBody = new RequestBody(
  object('UpdateWebhookEndpointDto', {
    url: optional(url),
    eventTypes: optional(eventTypes),
    description: optional(description),
    status: optional(
      oneOf(WEBHOOK_ENDPOINT_STATUSES, {
        description:
          'ENABLED re-enables a disabled endpoint (deliveries held meanwhile can then be redelivered); DISABLED stops ' +
          'deliveries to it and holds them',
      }),
    ),
  }),
);
export type UpdateWebhookEndpointBody = Infer<typeof updateWebhookEndpointBody.schema>;
