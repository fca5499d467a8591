import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CreateWebhookEndpointMessage,
  type ListWebhookEndpointsMessage,
  type UpdateWebhookEndpointMessage,
  type WebhookEndpointMessage,
  WEBHOOKS_PATTERNS,
} from '@payment-ledger/contracts';
import { RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { WebhookEndpoints } from '../application/webhook-endpoints';

/**
 * The webhooks service's request/response endpoints (TCP, through the RPC kit: signed commands, and the TenantGuard
 * has refused any merchant pattern without its merchant before a handler runs), one per command or query.
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class WebhooksController {
  constructor(private readonly endpoints: WebhookEndpoints) {}

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

  @MessagePattern(WEBHOOKS_PATTERNS.sendTestEvent)
  sendTestEvent(@Payload() message: WebhookEndpointMessage) {
    return tracedCommand(message, () => this.endpoints.sendTestEvent(message));
  }
}
