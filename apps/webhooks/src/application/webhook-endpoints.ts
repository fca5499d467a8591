import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';
import {
  type CreateWebhookEndpointMessage,
  type ListWebhookEndpointsMessage,
  newId,
  toCloudEvent,
  type UpdateWebhookEndpointMessage,
  type WebhookEndpointList,
  type WebhookEndpointMessage,
  type WebhookEndpointResource,
  type WebhookEndpointWithSecret,
  type WebhookTestEventResult,
} from '@payment-ledger/contracts';
import { CLOCK, type Clock, checkOutboundUrl, parseAllowedHosts } from '@payment-ledger/platform';
import { WebhookEndpointNotFound, webhookUrlNotAllowed } from '../domain/webhook-errors';
import { SecretBox } from '../infrastructure/secret-box';
import { WebhookDeliveryStore } from '../infrastructure/webhook-delivery.store';
import { WebhookEndpointEntity } from '../infrastructure/webhook.entities';
import { WEBHOOKS_CONFIG, type WebhooksConfig } from '../webhooks.config';
import { DeliveryLanes, laneOf, traceOfCurrentWork } from './delivery-lanes';

/**
 * A merchant's webhook endpoints: create (the signing secret is answered once, and stored encrypted), read, list,
 * change, delete, rotate the secret (the previous one keeps signing for WEBHOOK_ROTATION_OVERLAP_MS) and send a test
 * event. Every read and write is scoped to the merchant: another merchant's endpoint does not exist for them.
 */
@Injectable()
export class WebhookEndpoints {
  private readonly allowedHosts: string[];

  constructor(
    @InjectRepository(WebhookEndpointEntity) private readonly endpoints: Repository<WebhookEndpointEntity>,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly lanes: DeliveryLanes,
    private readonly secrets: SecretBox,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOKS_CONFIG) private readonly config: WebhooksConfig,
  ) {
    this.allowedHosts = parseAllowedHosts(config.WEBHOOK_ALLOWED_HOSTS);
  }

  async create(message: CreateWebhookEndpointMessage): Promise<WebhookEndpointWithSecret> {
    // A retried create (same idempotency key: same id) after a crash finds the endpoint it made, secret and all.
    const existing = await this.endpoints.findOneBy({ endpointId: message.endpointId, merchantId: message.merchantId });
    if (existing) return { ...toResource(existing), secret: this.secrets.open(existing.secrets.secretCiphertext) };
    await this.checkUrl(message.url);
    const now = this.clock.now();
    const { secret, sealed } = this.secrets.issue();
    const endpoint = this.endpoints.create({
      endpointId: message.endpointId,
      merchantId: message.merchantId,
      url: message.url,
      description: message.description,
      eventTypes: message.eventTypes,
      status: 'ENABLED',
      disabledReason: null,
      secrets: sealed,
      failingSince: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    await this.endpoints.insert(endpoint);
    return { ...toResource(endpoint), secret };
  }

  async get(message: WebhookEndpointMessage): Promise<WebhookEndpointResource> {
    return toResource(await this.owned(message));
  }

  async list(message: ListWebhookEndpointsMessage): Promise<WebhookEndpointList> {
    const rows = await this.endpoints.find({
      where: {
        merchantId: message.merchantId,
        deletedAt: undefined,
        ...(message.startingAfter ? { endpointId: LessThan(message.startingAfter) } : {}),
      },
      order: { endpointId: 'DESC' },
      take: message.limit + 1,
    });
    const live = rows.filter((row) => row.deletedAt === null);
    const page = live.slice(0, message.limit);
    const hasMore = live.length > message.limit;
    return { data: page.map(toResource), hasMore, nextCursor: hasMore ? page[page.length - 1].endpointId : null };
  }

  async update(message: UpdateWebhookEndpointMessage): Promise<WebhookEndpointResource> {
    const endpoint = await this.owned(message);
    if (message.url !== undefined) {
      await this.checkUrl(message.url);
      endpoint.url = message.url;
    }
    if (message.eventTypes !== undefined) endpoint.eventTypes = message.eventTypes;
    if (message.description !== undefined) endpoint.description = message.description;
    const now = this.clock.now();
    if (message.status === 'ENABLED' && endpoint.status === 'DISABLED') {
      endpoint.status = 'ENABLED';
      endpoint.disabledReason = null;
      endpoint.failingSince = null;
    } else if (message.status === 'DISABLED' && endpoint.status === 'ENABLED') {
      endpoint.status = 'DISABLED';
      endpoint.disabledReason = 'MERCHANT';
    }
    endpoint.updatedAt = now;
    await this.endpoints.save(endpoint);
    if (endpoint.status === 'DISABLED') await this.deliveries.holdPendingOfEndpoint(endpoint.endpointId, now);
    return toResource(endpoint);
  }

  /** Deletes it: nothing more is sent to it (its pending deliveries are held), and it is no longer listed. */
  async delete(message: WebhookEndpointMessage): Promise<WebhookEndpointResource> {
    const endpoint = await this.owned(message);
    const now = this.clock.now();
    endpoint.deletedAt = now;
    endpoint.updatedAt = now;
    await this.endpoints.save(endpoint);
    await this.deliveries.holdPendingOfEndpoint(endpoint.endpointId, now);
    return toResource(endpoint);
  }

  /** A new secret, answered once; the one it replaces signs too for WEBHOOK_ROTATION_OVERLAP_MS (several signatures). */
  async rotateSecret(message: WebhookEndpointMessage): Promise<WebhookEndpointWithSecret> {
    const endpoint = await this.owned(message);
    const now = this.clock.now();
    const secret = this.secrets.rotate(endpoint.secrets, now, this.config.WEBHOOK_ROTATION_OVERLAP_MS);
    endpoint.updatedAt = now;
    await this.endpoints.save(endpoint);
    return { ...toResource(endpoint), secret };
  }

  /**
   * Sends a signed WEBHOOK_ENDPOINT_TEST event to the endpoint now (also when it is disabled: a merchant checking a
   * fix), and keeps the attempt in the delivery log like any other.
   */
  async sendTestEvent(message: WebhookEndpointMessage): Promise<WebhookTestEventResult> {
    const endpoint = await this.owned(message);
    const now = this.clock.now();
    const eventId = newId('event', now.getTime());
    const deliveryId = newId('webhookDelivery', now.getTime());
    const payload = toCloudEvent({
      id: eventId,
      type: 'WEBHOOK_ENDPOINT_TEST',
      merchantId: endpoint.merchantId,
      objectType: 'webhook_endpoint',
      objectId: endpoint.endpointId,
      streamId: `webhook-endpoint:${endpoint.endpointId}`,
      streamVersion: 0,
      time: now.toISOString(),
      data: {
        endpointId: endpoint.endpointId,
        message: 'A test event: your endpoint receives and verifies webhooks.',
        streamVersion: 0,
      },
      objectWebhooksUrl: null,
    }) as unknown as Record<string, unknown>;
    const lane = laneOf({ endpointId: endpoint.endpointId }, `test:${eventId}`);
    const head = await this.deliveries.insertOne({
      deliveryId,
      merchantId: endpoint.merchantId,
      endpointId: endpoint.endpointId,
      targetUrl: null,
      lane,
      eventId,
      eventType: 'WEBHOOK_ENDPOINT_TEST',
      objectId: endpoint.endpointId,
      payload,
      status: 'PENDING',
      createdAt: now,
      trace: traceOfCurrentWork(),
    });
    const attempt = await this.lanes.attemptNow(lane, { ...head, endpoint: { ...head.endpoint!, status: 'ENABLED' } });
    return {
      eventId,
      deliveryId,
      responseStatus: attempt.responseStatus,
      succeeded: attempt.succeeded,
      error: attempt.error,
    };
  }

  private async owned(message: WebhookEndpointMessage): Promise<WebhookEndpointEntity> {
    const endpoint = await this.endpoints.findOneBy({ endpointId: message.endpointId, merchantId: message.merchantId });
    if (!endpoint || endpoint.deletedAt !== null) throw new WebhookEndpointNotFound();
    return endpoint;
  }

  /** The outbound rules, as at every delivery: https (http only for an allow-listed host), public addresses only. */
  private async checkUrl(url: string): Promise<void> {
    const check = await checkOutboundUrl(url, { allowedHosts: this.allowedHosts });
    if (!check.ok) throw webhookUrlNotAllowed(check.message);
  }
}

export function toResource(endpoint: WebhookEndpointEntity): WebhookEndpointResource {
  return {
    webhookEndpointId: endpoint.endpointId,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    status: endpoint.status,
    disabledReason: endpoint.disabledReason,
    previousSecretExpiresAt: endpoint.secrets.previousSecretExpiresAt?.toISOString() ?? null,
    creationTimestamp: endpoint.createdAt.toISOString(),
    updateTimestamp: endpoint.updatedAt.toISOString(),
  };
}
