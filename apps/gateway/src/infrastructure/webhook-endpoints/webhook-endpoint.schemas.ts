import {
  WEBHOOK_ENDPOINT_DISABLED_REASONS,
  WEBHOOK_ENDPOINT_STATUSES,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpointList,
  type WebhookEndpointResource,
  type WebhookEndpointWithSecret,
  type WebhookSigningSecretRotation,
  type WebhookTestEventResult,
} from '@payment-ledger/contracts';
import { type Infer, integer, oneOf } from '../http/body-schema';
import { dateTime, describes, flag, idOf, list, nullable, page, resource, text } from '../http/response-schema';

/*
 * A webhook endpoint as the API answers with it (`/v1/webhook-endpoints`): one schema, checked against the webhooks
 * service's types by the compiler (`describes`). The signing secret is in the answers to a create and a rotation
 * only.
 */

const endpointFields = {
  webhookEndpointId: idOf('webhookEndpoint'),
  url: text({ example: 'https://merchant.example/webhooks' }),
  description: nullable(text({ example: 'order fulfilment' })),
  eventTypes: nullable(
    list(oneOf(WEBHOOK_EVENT_TYPES), { description: 'The event types sent to it; null: every type' }),
  ),
  status: oneOf(WEBHOOK_ENDPOINT_STATUSES, {
    description: 'ENABLED: deliveries are sent; DISABLED: they are held until you enable it again',
    example: 'ENABLED',
  }),
  disabledReason: nullable(
    oneOf(WEBHOOK_ENDPOINT_DISABLED_REASONS, {
      description:
        'ENDPOINT_GONE: it answered 410 Gone; FAILING: every attempt failed for 5 days; MERCHANT: you disabled it',
    }),
  ),
  previousSecretExpiresAt: nullable(
    dateTime('Until when the secret before the last rotation still signs every delivery too'),
  ),
  creationTimestamp: dateTime(),
  updateTimestamp: dateTime(),
};

export const webhookEndpointSchema = resource('WebhookEndpoint', endpointFields);
describes<Infer<typeof webhookEndpointSchema>, WebhookEndpointResource>(true);

export const webhookEndpointWithSecretSchema = resource('WebhookEndpointWithSecret', {
  ...endpointFields,
  secret: text({
    description:
      "The signing secret (`whsec_…`), shown this once: verify each delivery's `webhook-signature` with it " +
      '(Standard Webhooks)',
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  }),
});
describes<Infer<typeof webhookEndpointWithSecretSchema>, WebhookEndpointWithSecret>(true);

export const webhookEndpointListSchema = page('WebhookEndpointList', webhookEndpointSchema, 'webhook endpoints');
describes<Infer<typeof webhookEndpointListSchema>, WebhookEndpointList>(true);

export const webhookTestEventResultSchema = resource('WebhookTestEventResult', {
  eventId: idOf('event'),
  deliveryId: idOf('webhookDelivery'),
  responseStatus: nullable(integer({ minimum: 100, maximum: 599, description: "The receiver's HTTP status" })),
  succeeded: flag({ description: 'Whether it answered 2xx' }),
  error: nullable(text({ description: 'Why no answer came (timeout, refused address, network error)' })),
});
describes<Infer<typeof webhookTestEventResultSchema>, WebhookTestEventResult>(true);

export const webhookSigningSecretRotationSchema = resource('WebhookSigningSecretRotation', {
  secret: text({
    description:
      "Your default signing secret (`whsec_…`), shown this once: it signs the webhooks sent to charges' and " +
      "agreements' own webhooksUrl",
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  }),
  previousSecretExpiresAt: nullable(
    dateTime('Until when the secret it replaces still signs too (none the first time)'),
  ),
});
describes<Infer<typeof webhookSigningSecretRotationSchema>, WebhookSigningSecretRotation>(true);
