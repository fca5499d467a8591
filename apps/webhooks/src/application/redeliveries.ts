import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { IsNull, type Repository } from 'typeorm';
import {
  type EndpointRedeliveryResult,
  type EventMessage,
  type EventRedeliveryResult,
  newId,
  type RedeliverEndpointMessage,
} from '@payment-ledger/contracts';
import { inTransaction } from '@payment-ledger/event-store';
import { CLOCK, type Clock, PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import { WebhookEndpointNotFound } from '../domain/webhook-errors';
import { EventDeliveryLogStore, type NewRedelivery } from '../infrastructure/event-delivery-log.store';
import { WebhookEndpointEntity } from '../infrastructure/webhook.entities';
import { laneOf, traceOfCurrentWork, WEBHOOK_DELIVERY_QUEUE, WEBHOOK_LANE_TIMER } from './delivery-lanes';
import { MerchantEventLog } from './merchant-event-log';

/**
 * Sending events again: one event now to the merchant's endpoints (`POST /v1/events/{id}/redeliveries`, also after
 * a success, and also an event older than the endpoint), or an endpoint's failed and held deliveries of a time range
 * (`POST /v1/webhook-endpoints/{id}/redeliveries`, say after re-enabling it).
 *
 * Either way the work goes through the delivery lanes (DeliveryLanes, the `webhooks` timer queue): a redelivery is a
 * new delivery row in the lane of (endpoint, object), so the lane still sends one delivery of an object to an
 * endpoint at a time, in seq order (a redelivery waits for what the lane already has pending, and nothing of the
 * object overtakes it), signed with the same `webhook-id`, with its own attempts and a fresh retry schedule. Each lane
 * that got work has its timer set with mode `again`, so a run finishing meanwhile cannot end it. Held deliveries
 * (ENDPOINT_DISABLED) are not copied but released: they were paused, not given up, and keep their place in order.
 */
@Injectable()
export class Redeliveries {
  constructor(
    private readonly log: MerchantEventLog,
    private readonly store: EventDeliveryLogStore,
    private readonly timers: PostgresTimerStore,
    @InjectRepository(WebhookEndpointEntity) private readonly endpoints: Repository<WebhookEndpointEntity>,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The event again to every enabled endpoint of the merchant that takes its type. */
  async redeliverEvent(message: EventMessage): Promise<EventRedeliveryResult> {
    const event = await this.log.owned(message);
    const endpoints = await this.endpoints.find({
      where: { merchantId: message.merchantId, status: 'ENABLED', deletedAt: IsNull() },
      order: { endpointId: 'ASC' },
    });
    const now = this.clock.now();
    const rows: NewRedelivery[] = endpoints
      .filter((endpoint) => endpoint.eventTypes === null || endpoint.eventTypes.includes(event.type))
      .map((endpoint) => ({
        deliveryId: newId('webhookDelivery', now.getTime()),
        merchantId: event.merchantId,
        endpointId: endpoint.endpointId,
        lane: laneOf({ endpointId: endpoint.endpointId }, event.objectId),
        eventId: event.eventId,
        eventType: event.type,
        objectId: event.objectId,
        payload: event.state as unknown as Record<string, unknown>,
        createdAt: now,
        trace: traceOfCurrentWork(),
      }));
    const deliveries = await inTransaction(this.pool, async (session) => {
      const added = await this.store.insertRedeliveries(session, rows);
      await this.wake(
        rows.map((r) => r.lane),
        now,
        session,
      );
      return added;
    });
    return { eventId: event.eventId, deliveries };
  }

  /** The endpoint's FAILED deliveries of [from, to) again, and its held ones (ENDPOINT_DISABLED) released. */
  async redeliverEndpoint(message: RedeliverEndpointMessage): Promise<EndpointRedeliveryResult> {
    const endpoint = await this.endpoints.findOneBy({ endpointId: message.endpointId, merchantId: message.merchantId });
    if (!endpoint || endpoint.deletedAt !== null) throw new WebhookEndpointNotFound();
    const from = new Date(message.from);
    const to = new Date(message.to);
    const now = this.clock.now();
    const queued = await inTransaction(this.pool, async (session) => {
      const released = await this.store.releaseHeldOfEndpoint(session, endpoint.endpointId, from, to, now);
      const failed = await this.store.failedOfEndpoint(session, endpoint.endpointId, from, to);
      const trace = traceOfCurrentWork();
      const rows = failed.map((f) => ({
        ...f,
        deliveryId: newId('webhookDelivery', now.getTime()),
        createdAt: now,
        trace,
      }));
      await this.store.insertRedeliveries(session, rows);
      await this.wake([...released, ...rows.map((r) => r.lane)], now, session);
      return released.length + rows.length;
    });
    return { webhookEndpointId: endpoint.endpointId, queued };
  }

  /**
   * Sends the deliveries to the merchant's objects' own webhooksUrl that were held while it had no default signing
   * secret (SIGNING_SECRET_MISSING), now that it has one: each keeps its place in its lane. Returns how many.
   */
  async releaseSecretHeld(merchantId: string): Promise<number> {
    const now = this.clock.now();
    return inTransaction(this.pool, async (session) => {
      const lanes = await this.store.releaseSecretHeldOfMerchant(merchantId, now, session);
      await this.wake(lanes, now, session);
      return lanes.length;
    });
  }

  private async wake(lanes: string[], now: Date, session: PoolClient): Promise<void> {
    const unique = [...new Set(lanes)];
    if (unique.length === 0) return;
    await this.timers.schedule(
      unique.map((lane) => ({ queue: WEBHOOK_DELIVERY_QUEUE, key: lane, kind: WEBHOOK_LANE_TIMER, dueAt: now })),
      { mode: 'again', session },
    );
  }
}
