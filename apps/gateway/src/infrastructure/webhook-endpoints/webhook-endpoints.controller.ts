import { Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  type CreateWebhookEndpointMessage,
  ID_PREFIXES,
  type ListWebhookEndpointsMessage,
  type UpdateWebhookEndpointMessage,
  type WebhookEndpointList,
  type WebhookEndpointMessage,
  type WebhookEndpointResource,
  type WebhookEndpointWithSecret,
  WEBHOOKS_PATTERNS,
  type WebhookTestEventResult,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { pathId } from '../http/path-id';
import { idOf } from '../http/response-schema';
import { Idempotency, type IdempotentRequest } from '../idempotency/idempotency';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { WebhooksClient } from '../services/service.client';
import { ListWebhookEndpointsQuery } from './list-webhook-endpoints.query';
import { createWebhookEndpointBody, updateWebhookEndpointBody } from './webhook-endpoint.bodies';
import {
  webhookEndpointListSchema,
  webhookEndpointSchema,
  webhookEndpointWithSecretSchema,
  webhookTestEventResultSchema,
} from './webhook-endpoint.schemas';

const ENDPOINT_ID = { id: idOf('webhookEndpoint') };
const NOT_FOUND = { 404: 'No such webhook endpoint for this merchant (`webhook_endpoint_not_found`)' };
const correlationId = (): string => String(currentLogContext().correlationId ?? '');
const endpointIdOf = (id: string): string =>
  pathId(id, 'webhookEndpoint', { code: 'webhook_endpoint_not_found', message: 'Webhook endpoint not found' });

/**
 * `/v1/webhook-endpoints`: where a merchant's signed webhooks go (CloudEvents bodies, Standard Webhooks signatures;
 * docs/webhooks.md). The webhooks service owns them; the signing secret is answered on creation and rotation only.
 */
@ApiTags('webhook-endpoints')
@Controller('v1/webhook-endpoints')
@UseGuards(ApiKeyGuard)
export class WebhookEndpointsController {
  constructor(
    private readonly webhooks: WebhooksClient,
    private readonly idempotency: Idempotency,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'createWebhookEndpoint',
    summary: 'Create a webhook endpoint',
    description:
      'Every event of the listed types (all by default) is POSTed to `url`, signed with the secret answered here ' +
      'once (`whsec_…`; keep it: it is never shown again). The URL must be https on a public address.',
    body: {
      schema: createWebhookEndpointBody.schema,
      examples: {
        all: { summary: 'Every event type', value: { url: 'https://merchant.example/webhooks' } },
        some: {
          summary: 'Captures and failures only',
          value: {
            url: 'https://merchant.example/webhooks',
            eventTypes: ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED', 'PAYMENT_CHARGE_FAILED'],
            description: 'order fulfilment',
          },
        },
      },
    },
    success: { status: 201, schema: webhookEndpointWithSecretSchema, description: 'The endpoint, with its secret' },
    idempotent: true,
  })
  create(
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookEndpointWithSecret> {
    return this.idempotency.run(request, reply, () => {
      const body = createWebhookEndpointBody.validate(request.body);
      const message: CreateWebhookEndpointMessage = {
        correlationId: correlationId(),
        idempotencyKey: request.idempotencyKey,
        merchantId: request.merchant.id,
        // The same hex on every retry of one idempotency key: a retried request names the same endpoint.
        endpointId: `${ID_PREFIXES.webhookEndpoint}_${request.resourceIdHex}`,
        url: body.url,
        eventTypes: body.eventTypes ?? null,
        description: body.description ?? null,
      };
      return this.webhooks.send<WebhookEndpointWithSecret>(WEBHOOKS_PATTERNS.createEndpoint, message);
    });
  }

  @Get()
  @ApiOperationDoc({
    operationId: 'listWebhookEndpoints',
    summary: 'List webhook endpoints',
    description: 'Your endpoints, newest first.',
    success: { status: 200, schema: webhookEndpointListSchema, description: 'A page of webhook endpoints' },
  })
  list(@Query() query: ListWebhookEndpointsQuery, @Req() request: AuthenticatedRequest): Promise<WebhookEndpointList> {
    const message: ListWebhookEndpointsMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      limit: query.limit,
      startingAfter: query.startingAfter,
    };
    return this.webhooks.send(WEBHOOKS_PATTERNS.listEndpoints, message);
  }

  @Get(':id')
  @ApiOperationDoc({
    operationId: 'getWebhookEndpoint',
    summary: 'Get a webhook endpoint',
    params: ENDPOINT_ID,
    success: { status: 200, schema: webhookEndpointSchema, description: 'The endpoint (never its secret)' },
    errors: NOT_FOUND,
  })
  get(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<WebhookEndpointResource> {
    return this.webhooks.send(WEBHOOKS_PATTERNS.getEndpoint, this.endpointMessage(id, request));
  }

  @Patch(':id')
  @ApiOperationDoc({
    operationId: 'updateWebhookEndpoint',
    summary: 'Change a webhook endpoint',
    description:
      'Its URL, event types or description; `status: ENABLED` re-enables a disabled one, `DISABLED` holds its ' +
      'deliveries.',
    params: ENDPOINT_ID,
    body: {
      schema: updateWebhookEndpointBody.schema,
      examples: { enable: { summary: 'Enable it again', value: { status: 'ENABLED' } } },
    },
    success: { status: 200, schema: webhookEndpointSchema, description: 'The endpoint as changed' },
    errors: NOT_FOUND,
  })
  update(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<WebhookEndpointResource> {
    const body = updateWebhookEndpointBody.validate(request.body);
    const message: UpdateWebhookEndpointMessage = {
      ...this.endpointMessage(id, request),
      ...(body.url != null ? { url: body.url } : {}),
      ...('eventTypes' in body ? { eventTypes: body.eventTypes ?? null } : {}),
      ...('description' in body ? { description: body.description ?? null } : {}),
      ...(body.status != null ? { status: body.status } : {}),
    };
    return this.webhooks.send(WEBHOOKS_PATTERNS.updateEndpoint, message);
  }

  @Delete(':id')
  @ApiOperationDoc({
    operationId: 'deleteWebhookEndpoint',
    summary: 'Delete a webhook endpoint',
    description: 'Nothing more is sent to it; its deliveries stay in the log.',
    params: ENDPOINT_ID,
    success: { status: 200, schema: webhookEndpointSchema, description: 'The endpoint as it was' },
    errors: NOT_FOUND,
  })
  delete(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<WebhookEndpointResource> {
    return this.webhooks.send(WEBHOOKS_PATTERNS.deleteEndpoint, this.endpointMessage(id, request));
  }

  @Post(':id/secret-rotations')
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'rotateWebhookEndpointSecret',
    summary: "Rotate a webhook endpoint's signing secret",
    description:
      'Answers a new secret (shown this once). For 24 hours both the new and the old secret sign every delivery ' +
      '(two signatures in `webhook-signature`), so you can switch without missing one.',
    params: ENDPOINT_ID,
    success: { status: 201, schema: webhookEndpointWithSecretSchema, description: 'The endpoint, with its new secret' },
    errors: NOT_FOUND,
    idempotent: true,
  })
  rotateSecret(
    @Param('id') id: string,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookEndpointWithSecret> {
    return this.idempotency.run(request, reply, () =>
      this.webhooks.send(WEBHOOKS_PATTERNS.rotateEndpointSecret, this.endpointMessage(id, request)),
    );
  }

  @Post(':id/test-events')
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'sendWebhookTestEvent',
    summary: 'Send a test event',
    description: 'POSTs a signed WEBHOOK_ENDPOINT_TEST event to the endpoint now and answers what the receiver said.',
    params: ENDPOINT_ID,
    success: { status: 201, schema: webhookTestEventResultSchema, description: 'What the attempt came to' },
    errors: NOT_FOUND,
    idempotent: true,
  })
  sendTestEvent(
    @Param('id') id: string,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookTestEventResult> {
    return this.idempotency.run(request, reply, () =>
      this.webhooks.send(WEBHOOKS_PATTERNS.sendTestEvent, this.endpointMessage(id, request)),
    );
  }

  private endpointMessage(id: string, request: AuthenticatedRequest): WebhookEndpointMessage {
    return { correlationId: correlationId(), merchantId: request.merchant.id, endpointId: endpointIdOf(id) };
  }
}
