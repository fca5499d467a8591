import { type Infer, object, string } from '../http/body-schema';
import { RequestBody } from '../http/request-body';

/** `POST /v1/webhook-endpoints/{id}/redeliveries`: the time range of the deliveries to send again. */
export const redeliverEndpointBody = new RequestBody(
  object('RedeliverWebhookEndpointDto', {
    from: string({
      format: 'iso-8601',
      maxLength: 64,
      description: 'Deliveries created at or after this instant (ISO 8601 date-time)',
      example: '2025-03-26T00:00:00Z',
    }),
    to: string({
      format: 'iso-8601',
      maxLength: 64,
      description: 'Deliveries created before this instant (ISO 8601 date-time)',
      example: '2025-03-27T00:00:00Z',
    }),
  }),
);
export type RedeliverEndpointBody = Infer<typeof redeliverEndpointBody.schema>;
