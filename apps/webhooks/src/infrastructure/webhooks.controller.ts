import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CreateWebhookEndpointMessage,
  type EventMessage,
  EVENTS_PATTERNS,
  type ListEventsMessage,
  type RedeliverEndpointMessage,
  type ListWebhookEndpointsMessage,
  type RotateMerchantSecretMessage,
  type WebhookSigningSecretRotation,
  type UpdateWebhookEndpointMessage,
  type WebhookEndpointMessage,
  WEBHOOKS_PATTERNS,
} from '@payment-ledger/contracts';
import { RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { MerchantSigningSecrets } from '../application/merchant-signing-secrets';
import { WebhookEndpoints } from '../application/webhook-endpoints';
import { MerchantEventLog } from '../application/merchant-event-log';
import { Redeliveries } from '../application/redeliveries';

/**
 * The webhooks service's request/response endpoints (TCP, through the RPC kit: signed commands, and the TenantGuard
 * has refused any merchant pattern without its merchant before a handler runs), one per command or query.
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly events: MerchantEventLog,
    private readonly redeliveries: Redeliveries,
    private readonly merchantSecrets: MerchantSigningSecrets,
  ) {}

  @MessagePattern(WEBHOOKS_PATTERNS.createEndpoint)
  create(@Payload() message: CreateWebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.create(message));
  }

  @MessagePattern(WEBHOOKS_PATTERNS.getEndpoint)
  get(@Payload() message: WebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.get(message));
  }

  @MessagePattern(WEBHOOKS_PATTERNS.listEndpoints)
  list(@Payload() message: ListWebhookEndpointsMessage) {
    return tracedCommand(message, () => this.endpoints.list(message));
  }

  @MessagePattern(WEBHOOKS_PATTERNS.updateEndpoint)
  update(@Payload() message: UpdateWebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.update(message));
  }

  @MessagePattern(WEBHOOKS_PATTERNS.deleteEndpoint)
  delete(@Payload() message: WebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.delete(message));
  }

  @MessagePattern(WEBHOOKS_PATTERNS.rotateEndpointSecret)
  rotateSecret(@Payload() message: WebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.rotateSecret(message));
  }

  @MessagePattern(WEBHOOKS_PATTERNS.rotateMerchantSecret)
  rotateMerchantSecret(@Payload() message: RotateMerchantSecretMessage) {
    return tracedCommand(message, async (): Promise<WebhookSigningSecretRotation> => {
      const { secret, previousSecretExpiresAt } = await this.merchantSecrets.rotate(message.merchantId);
      // Its first secret: what was held for the want of one goes out now, signed with it.
      if (previousSecretExpiresAt === null) await this.redeliveries.releaseSecretHeld(message.merchantId);
      return { secret, previousSecretExpiresAt: previousSecretExpiresAt?.toISOString() ?? null };
    });
  }

  @MessagePattern(WEBHOOKS_PATTERNS.sendTestEvent)
  sendTestEvent(@Payload() message: WebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.sendTestEvent(message));
  }

  @MessagePattern(EVENTS_PATTERNS.list)
  listEvents(@Payload() message: ListEventsMessage) {
    return tracedCommand(message, () => this.events.list(message));
  }

  @MessagePattern(EVENTS_PATTERNS.get)
  getEvent(@Payload() message: EventMessage) {
    return tracedCommand(message, () => this.events.get(message));
  }

  @MessagePattern(EVENTS_PATTERNS.listDeliveries)
  listEventDeliveries(@Payload() message: EventMessage) {
    return tracedCommand(message, () => this.events.listDeliveries(message));
  }

  @MessagePattern(EVENTS_PATTERNS.redeliver)
  redeliverEvent(@Payload() message: EventMessage) {
    return tracedCommand(message, () => this.redeliveries.redeliverEvent(message));
  }

  @MessagePattern(EVENTS_PATTERNS.redeliverEndpoint)
  redeliverEndpoint(@Payload() message: RedeliverEndpointMessage) {
    return tracedCommand(message, () => this.redeliveries.redeliverEndpoint(message));
  }
}
