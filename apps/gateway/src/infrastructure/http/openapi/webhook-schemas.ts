import {
  WEBHOOK_EVENT_TYPE_DEFINITIONS,
  WEBHOOK_EVENT_TYPES,
  type WebhookEndpointDisabledData,
  type WebhookEndpointTestData,
  type WebhookEventType,
} from '@payment-ledger/contracts';
import { type Infer, type JsonSchema, oneOf } from '../body-schema';
import { dateTime, describes, idOf, resource, text } from '../response-schema';
import { paymentAgreementSchema } from '../../payment-agreements/payment-agreement.schemas';
import { paymentChargeSchema } from '../../payment-charges/payment-charge.schemas';
import { chargebackSchema, refundSchema } from '../../refunds/refund.schemas';
import type { ApiSchemas, OpenApiSchema } from './api-schemas';

/*
 * The webhooks the merchant receives, in the OpenAPI document: OpenAPI 3.0 has no `webhooks` section (3.1 has), so
 * each event type is a component schema (its CloudEvents envelope, `data` the object's own component schema plus
 * `streamVersion`) and a top-level `x-webhooks` entry shaped as 3.1's `webhooks` is (a path item whose `post`
 * receives it), so moving to 3.1 is a rename. The types and their meanings come from the contracts
 * (WEBHOOK_EVENT_TYPE_DEFINITIONS, as docs/webhooks.md does); `dataSchema` names the gateway schema below.
 */

const endpointDisabledSchema = resource('WebhookEndpointDisabledData', {
  endpointId: idOf('webhookEndpoint'),
  url: text({ format: 'uri', example: 'https://shop.example/webhooks' }),
  reason: oneOf(['GONE', 'FAILING'] as const, {
    description: 'GONE: the endpoint answered 410; FAILING: it failed continuously for 5 days',
  }),
  disabledAt: dateTime(),
});
describes<Infer<typeof endpointDisabledSchema>, WebhookEndpointDisabledData>(true);

const endpointTestSchema = resource('WebhookEndpointTestData', {
  endpointId: idOf('webhookEndpoint'),
  message: text({ example: 'A test event: nothing happened.' }),
});
describes<Infer<typeof endpointTestSchema>, WebhookEndpointTestData>(true);

/** The gateway's schema of each `dataSchema` the contracts name. */
const DATA_SCHEMAS: Record<string, JsonSchema> = {
  PaymentCharge: paymentChargeSchema,
  PaymentAgreement: paymentAgreementSchema,
  PaymentChargeRefund: refundSchema,
  PaymentChargeChargeback: chargebackSchema,
  WebhookEndpointDisabledData: endpointDisabledSchema,
  WebhookEndpointTestData: endpointTestSchema,
};

/** `PAYMENT_CHARGE_CAPTURE_SUCCEEDED` → `PaymentChargeCaptureSucceededWebhook`: the envelope's component name. */
export function webhookSchemaName(type: WebhookEventType): string {
  const words = type.toLowerCase().split('_');
  return `${words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')}Webhook`;
}

const SIGNATURE_HEADERS = [
  ['webhook-id', "The event's id (the envelope's `id`): the same on every retry; drop duplicates with it"],
  ['webhook-timestamp', 'When this attempt was signed, in seconds since the Unix epoch'],
  [
    'webhook-signature',
    '`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the signing secret (`whsec_…`); several, space-separated, ' +
      'during a secret rotation. Verify with the `standardwebhooks` package.',
  ],
] as const;

function envelope(type: WebhookEventType, schemas: ApiSchemas): OpenApiSchema {
  const definition = WEBHOOK_EVENT_TYPE_DEFINITIONS[type];
  const dataSchema = DATA_SCHEMAS[definition.dataSchema];
  if (!dataSchema || dataSchema.title !== definition.dataSchema) {
    throw new Error(`No schema titled ${definition.dataSchema} for the webhook ${type}`);
  }
  const object = schemas.ref(dataSchema);
  const versioned = definition.objectType !== 'webhook_endpoint';
  return {
    type: 'object',
    title: webhookSchemaName(type),
    description: `${definition.meaning} A CloudEvents 1.0 envelope, signed per Standard Webhooks (docs/webhooks.md).`,
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
    properties: {
      specversion: { type: 'string', enum: ['1.0'] },
      id: { type: 'string', description: 'The same on every retry and redelivery (the `webhook-id` header)' },
      source: { type: 'string', description: 'The collection the object is read from', example: '/v1/payment-charges' },
      type: { type: 'string', enum: [type] },
      subject: { type: 'string', description: "The object's id" },
      time: { type: 'string', format: 'date-time', description: 'When the change was recorded' },
      datacontenttype: { type: 'string', enum: ['application/json'] },
      data: versioned
        ? {
            description:
              'The object as GET shows it as of this event, plus its `streamVersion`: drop an event whose ' +
              '`streamVersion` is not higher than the last you stored for the object',
            allOf: [
              object,
              {
                type: 'object',
                required: ['streamVersion'],
                properties: { streamVersion: { type: 'integer', minimum: 1, description: "The object's version" } },
              },
            ],
          }
        : object,
    },
  };
}

/**
 * Registers every webhook's envelope among the document's models and returns the `x-webhooks` section: per type, the
 * `post` your endpoint receives (signature headers, the envelope as body, what its answers mean).
 */
export function webhookDocument(schemas: ApiSchemas): Record<WebhookEventType, unknown> {
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => {
      const schema = schemas.ref(envelope(type, schemas) as JsonSchema);
      return [
        type,
        {
          post: {
            operationId: `webhook${webhookSchemaName(type).replace(/Webhook$/, '')}`,
            summary: type,
            description: WEBHOOK_EVENT_TYPE_DEFINITIONS[type].meaning,
            tags: ['webhooks'],
            // We call you: no bearer key; the request is signed instead (the headers below).
            security: [],
            parameters: SIGNATURE_HEADERS.map(([name, description]) => ({
              name,
              in: 'header',
              required: true,
              description,
              schema: { type: 'string' },
            })),
            requestBody: { required: true, content: { 'application/json': { schema } } },
            responses: {
              '2XX': { description: 'Received (answer within 15 seconds; the body is ignored)' },
              '410': { description: 'Gone: the endpoint is disabled, nothing more is sent to it' },
              default: {
                description:
                  'Anything else (3xx included: redirects are not followed) or no answer in time: retried with ' +
                  'backoff for about three days; `Retry-After` is honoured on 429 and 503',
              },
            },
          },
        },
      ];
    }),
  ) as Record<WebhookEventType, unknown>;
}
