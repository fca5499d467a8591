import {
  type CloudEvent,
  type EndpointRedeliveryResult,
  type EventList,
  type EventRedeliveryResult,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  type WebhookAttemptResource,
  type WebhookDeliveryList,
  type WebhookDeliveryResource,
} from '@payment-ledger/contracts';
import { type Infer, integer, oneOf, type Schema } from '../http/body-schema';
import { dateTime, describes, flag, idOf, list, nullable, page, resource, text } from '../http/response-schema';
import { EVENT_ID_PATTERN } from './event-id';

/*
 * The merchant's event log as the API answers with it (`/v1/events`): each event is the CloudEvents envelope the
 * deliveries send (its per-type schemas are under `x-webhooks`), and an event's deliveries with every attempt.
 * Checked against the webhooks service's types by the compiler (`describes`).
 */

const eventId: Schema<string> = {
  type: 'string',
  pattern: EVENT_ID_PATTERN,
  example: 'evt_0193a1b2c3d4e5f60718293a4b5c6d7e',
  description: 'The same as the `webhook-id` header of its deliveries',
};

export const eventSchema = resource(
  'Event',
  {
    specversion: oneOf(['1.0'] as const),
    id: eventId,
    source: text({ description: 'The collection the object is read from', example: '/v1/payment-charges' }),
    type: oneOf(WEBHOOK_EVENT_TYPES, { example: 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED' }),
    subject: text({ description: "The object's id", example: 'charge_0193a1b2c3d4e5f60718293a4b5c6d7e' }),
    time: dateTime('When the change was recorded'),
    datacontenttype: oneOf(['application/json'] as const),
    data: {
      type: 'object',
      description:
        "The object as GET shows it as of this event, plus its `streamVersion` (the type's schema under x-webhooks)",
    } as Schema<Record<string, unknown>>,
  },
  { description: 'A CloudEvents 1.0 envelope, exactly as its webhook deliveries send it' },
);
describes<Infer<typeof eventSchema>, CloudEvent>(true);

export const eventListSchema = page('EventList', eventSchema, 'events');
describes<Infer<typeof eventListSchema>, EventList>(true);

const attemptSchema = resource('WebhookAttempt', {
  attemptNumber: integer({ minimum: 1 }),
  url: text({ example: 'https://merchant.example/webhooks' }),
  requestHeaders: {
    type: 'object',
    description: 'The headers sent (the signatures prove a body was signed; no secret is in them)',
  } as Schema<Record<string, string>>,
  responseStatus: nullable(integer({ minimum: 100, maximum: 599, description: "The receiver's HTTP status" })),
  responseBody: nullable(text({ description: "The start of the receiver's answer (a few KB at most)" })),
  latencyMs: integer({ minimum: 0 }),
  error: nullable(text({ description: 'Why no answer came (timeout, refused address, network error)' })),
  attemptTimestamp: dateTime(),
});
describes<Infer<typeof attemptSchema>, WebhookAttemptResource>(true);

export const deliverySchema = resource('WebhookDelivery', {
  deliveryId: idOf('webhookDelivery'),
  eventId,
  webhookEndpointId: nullable(idOf('webhookEndpoint', "null: sent to the object's own webhooksUrl")),
  status: oneOf(WEBHOOK_DELIVERY_STATUSES, {
    description:
      'PENDING: to be sent or retried; SUCCEEDED: answered 2xx; FAILED: given up; ENDPOINT_DISABLED: held while ' +
      "its endpoint is disabled (redeliver it once enabled); SIGNING_SECRET_MISSING: to an object's own " +
      'webhooksUrl, held (not sent) until the merchant creates its default signing secret ' +
      '(POST /v1/webhook-signing-secret/rotations), then sent',
  }),
  attemptCount: integer({ minimum: 0 }),
  nextAttemptTimestamp: nullable(dateTime('When it is tried next (PENDING)')),
  redelivery: flag({ description: 'Whether it is a redelivery rather than the first delivery' }),
  creationTimestamp: dateTime(),
  attempts: list(attemptSchema, { description: 'Every attempt, oldest first' }),
});
describes<Infer<typeof deliverySchema>, WebhookDeliveryResource>(true);

export const deliveryListSchema = resource('WebhookDeliveryList', {
  data: list(deliverySchema, { description: "The event's deliveries, oldest first" }),
});
describes<Infer<typeof deliveryListSchema>, WebhookDeliveryList>(true);

export const eventRedeliverySchema = resource('EventRedelivery', {
  eventId,
  deliveries: list(deliverySchema, { description: 'The new deliveries, one per endpoint that takes the type' }),
});
describes<Infer<typeof eventRedeliverySchema>, EventRedeliveryResult>(true);

export const endpointRedeliverySchema = resource('WebhookEndpointRedelivery', {
  webhookEndpointId: idOf('webhookEndpoint'),
  queued: integer({ minimum: 0, description: 'How many deliveries were queued to be sent again' }),
});
describes<Infer<typeof endpointRedeliverySchema>, EndpointRedeliveryResult>(true);
