import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  type CloudEvent,
  type EndpointRedeliveryResult,
  type EventList,
  type EventMessage,
  type EventRedeliveryResult,
  EVENTS_PATTERNS,
  type ListEventsMessage,
  type RedeliverEndpointMessage,
  type WebhookDeliveryList,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiError } from '../http/api-error';
import { ListWaitMs } from '../http/list-wait-ms';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { pathId } from '../http/path-id';
import { idOf } from '../http/response-schema';
import { Idempotency, type IdempotentRequest } from '../idempotency/idempotency';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { WebhooksClient } from '../services/service.client';
import { EVENT_ID_PATTERN, eventIdOf } from './event-id';
import {
  deliveryListSchema,
  endpointRedeliverySchema,
  eventListSchema,
  eventRedeliverySchema,
  eventSchema,
} from './event.schemas';
import { ListEventsQuery } from './list-events.query';
import { redeliverEndpointBody } from './redelivery.bodies';

const EVENT_ID = { id: { type: 'string' as const, pattern: EVENT_ID_PATTERN } };
const EVENT_NOT_FOUND = { 404: 'No such event for this merchant (`event_not_found`)' };
const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/**
 * `/v1/events`: the merchant's event log (every charge, agreement, refund and chargeback status change, of any age,
 * as the CloudEvents the webhooks send: never the internal event types), each event's deliveries and attempts, and
 * redeliveries: one event again now, or an endpoint's failed and held deliveries of a time range
 * (`/v1/webhook-endpoints/{id}/redeliveries`). The webhooks service owns them.
 */
@ApiTags('events')
@Controller('v1')
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(
    private readonly webhooks: WebhooksClient,
    private readonly idempotency: Idempotency,
  ) {}

  @Get('events')
  @ApiOperationDoc({
    operationId: 'listEvents',
    summary: 'List events',
    description:
      'Your events of any age, newest first, each the CloudEvents envelope its webhooks send; filter by `type`, ' +
      "`objectId` (the envelope's `subject`) and time.",
    success: { status: 200, schema: eventListSchema, description: 'A page of events' },
  })
  list(
    @Query() query: ListEventsQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<EventList> {
    const message: ListEventsMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      limit: query.limit,
      startingAfter: query.startingAfter,
      type: query.type,
      objectId: query.objectId,
      createdFrom: query.createdFrom,
      createdTo: query.createdTo,
    };
    return this.webhooks.send(EVENTS_PATTERNS.list, message);
  }

  @Get('events/:id')
  @ApiOperationDoc({
    operationId: 'getEvent',
    summary: 'Get an event',
    params: EVENT_ID,
    success: { status: 200, schema: eventSchema, description: 'The event' },
    errors: EVENT_NOT_FOUND,
  })
  get(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<CloudEvent> {
    return this.webhooks.send(EVENTS_PATTERNS.get, this.eventMessage(id, request));
  }

  @Get('events/:id/deliveries')
  @ApiOperationDoc({
    operationId: 'listEventDeliveries',
    summary: "List an event's deliveries",
    description: 'Each delivery of the event (one per endpoint, and each redelivery) with every attempt.',
    params: EVENT_ID,
    success: { status: 200, schema: deliveryListSchema, description: "The event's deliveries" },
    errors: EVENT_NOT_FOUND,
  })
  deliveries(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<WebhookDeliveryList> {
    return this.webhooks.send(EVENTS_PATTERNS.listDeliveries, this.eventMessage(id, request));
  }

  @Post('events/:id/redeliveries')
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'redeliverEvent',
    summary: 'Send an event again',
    description:
      'Sends the event again now (also after a success) to each enabled endpoint that takes its type, with the same ' +
      '`webhook-id`. It goes after what is still pending for the same object and endpoint, so order is kept.',
    params: EVENT_ID,
    success: { status: 201, schema: eventRedeliverySchema, description: 'The new deliveries' },
    errors: EVENT_NOT_FOUND,
    idempotent: true,
  })
  redeliver(
    @Param('id') id: string,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EventRedeliveryResult> {
    return this.idempotency.run(request, reply, () =>
      this.webhooks.send(EVENTS_PATTERNS.redeliver, this.eventMessage(id, request)),
    );
  }

  @Post('webhook-endpoints/:id/redeliveries')
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'redeliverWebhookEndpoint',
    summary: "Send an endpoint's failed deliveries again",
    description:
      'Sends again the FAILED deliveries to the endpoint created in [`from`, `to`), and releases the ones held ' +
      'while it was disabled (ENDPOINT_DISABLED), say after enabling it again; each object in order.',
    params: { id: idOf('webhookEndpoint') },
    body: {
      schema: redeliverEndpointBody.schema,
      examples: {
        day: { summary: 'One day', value: { from: '2025-03-26T00:00:00Z', to: '2025-03-27T00:00:00Z' } },
      },
    },
    success: { status: 201, schema: endpointRedeliverySchema, description: 'How many were queued' },
    errors: { 404: 'No such webhook endpoint for this merchant (`webhook_endpoint_not_found`)' },
    idempotent: true,
  })
  redeliverEndpoint(
    @Param('id') id: string,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<EndpointRedeliveryResult> {
    return this.idempotency.run(request, reply, () => {
      const endpointId = pathId(id, 'webhookEndpoint', {
        code: 'webhook_endpoint_not_found',
        message: 'Webhook endpoint not found',
      });
      const body = redeliverEndpointBody.validate(request.body);
      if (!(Date.parse(body.from) < Date.parse(body.to))) {
        throw new ApiError(400, 'invalid_request', '`from` must be before `to`', { field: 'to' });
      }
      const message: RedeliverEndpointMessage = {
        correlationId: correlationId(),
        merchantId: request.merchant.id,
        endpointId,
        from: body.from,
        to: body.to,
      };
      return this.webhooks.send(EVENTS_PATTERNS.redeliverEndpoint, message);
    });
  }

  private eventMessage(id: string, request: AuthenticatedRequest): EventMessage {
    return { correlationId: correlationId(), merchantId: request.merchant.id, eventId: eventIdOf(id) };
  }
}
