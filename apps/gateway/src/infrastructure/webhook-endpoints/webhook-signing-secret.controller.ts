import { Controller, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  type RotateMerchantSecretMessage,
  WEBHOOKS_PATTERNS,
  type WebhookSigningSecretRotation,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { Idempotency, type IdempotentRequest } from '../idempotency/idempotency';
import { ApiKeyGuard } from '../merchants/api-key.guard';
import { WebhooksClient } from '../services/service.client';
import { webhookSigningSecretRotationSchema } from './webhook-endpoint.schemas';

/**
 * `/v1/webhook-signing-secret/rotations`: the merchant's default signing secret, which signs the webhooks sent to a
 * charge's or an agreement's own `webhooksUrl` (endpoints have their own). `npm run merchant:create` shows the first
 * one; a rotation answers a new one once, and the old one keeps signing for 24 hours.
 */
@ApiTags('webhook-endpoints')
@Controller('v1/webhook-signing-secret/rotations')
@UseGuards(ApiKeyGuard)
export class WebhookSigningSecretController {
  constructor(
    private readonly webhooks: WebhooksClient,
    private readonly idempotency: Idempotency,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'rotateWebhookSigningSecret',
    summary: 'Rotate your default webhook signing secret',
    description:
      "Answers a new secret (`whsec_…`, shown this once) for the webhooks sent to charges' and agreements' own " +
      '`webhooksUrl`. For 24 hours the old one signs every delivery too (two signatures in `webhook-signature`).',
    success: {
      status: 201,
      schema: webhookSigningSecretRotationSchema,
      description: 'The new secret, and until when the old one still signs',
    },
    idempotent: true,
  })
  rotate(
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookSigningSecretRotation> {
    return this.idempotency.run(request, reply, () => {
      const message: RotateMerchantSecretMessage = {
        correlationId: String(currentLogContext().correlationId ?? ''),
        merchantId: request.merchant.id,
      };
      return this.webhooks.send(WEBHOOKS_PATTERNS.rotateMerchantSecret, message);
    });
  }
}
