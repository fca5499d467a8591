import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { In, IsNull, type Repository } from 'typeorm';
import {
  type MerchantEvent,
  type MerchantEventSource,
  merchantEventSourceOf,
  newId,
  toCloudEvent,
} from '@payment-ledger/contracts';
import { type EventStore, StreamSnapshotCache } from '@payment-ledger/event-store';
import { EVENT_STORE, type EventEnvelope } from '@payment-ledger/messaging';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import { type DeliveryTrace, type NewDelivery, WebhookDeliveryStore } from '../infrastructure/webhook-delivery.store';
import { WebhookEndpointEntity } from '../infrastructure/webhook.entities';
import { laneOf, WEBHOOK_DELIVERY_QUEUE, WEBHOOK_LANE_TIMER } from './delivery-lanes';

/** Streams whose last folded state the consumer keeps (the busy ones; least recently used go first). */
const SNAPSHOTS_KEPT = 10_000;

/** The stream types whose events merchants hear about (the endpoints' own: this service's relay publishes them). */
export const MERCHANT_EVENT_STREAM_TYPES = ['charge', 'agreement', 'refund', 'webhook-endpoint'];

/**
 * Turns the domain events of charges, agreements and refunds (Kafka, at least once, in order per stream) into
 * deliveries: each event is folded onto its object's public model (libs/contracts/src/webhooks: the object as `GET`
 * shows it, as of that event) and yields the merchant events it stands for (none for an internal step); each merchant
 * event becomes a delivery to every endpoint of its merchant that takes its type (and to its object's own webhooksUrl), in the consumer's inbox transaction
 * (a batch consumed twice adds nothing: one delivery per merchant event and lane), and each lane that got one has its
 * timer set (DeliveryLanes sends it).
 *
 * The state before an event is the snapshot this consumer left the stream at, when it is the version just before;
 * otherwise (a restart, a rebalance) the stream is read from the event store up to the event and folded.
 */
@Injectable()
export class MerchantEventConsumer {
  private readonly snapshots = new StreamSnapshotCache<unknown>(SNAPSHOTS_KEPT);

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @InjectRepository(WebhookEndpointEntity) private readonly endpoints: Repository<WebhookEndpointEntity>,
    private readonly deliveries: WebhookDeliveryStore,
    private readonly timers: PostgresTimerStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  handleBatch = async (events: EventEnvelope[], session: PoolClient): Promise<void> => {
    const merchantEvents: MerchantEvent[] = [];
    // Each merchant event's trace: its domain event's correlation id, and that event as the cause of the delivery.
    const traces = new Map<string, DeliveryTrace>();
    for (const event of events) {
      const source = merchantEventSourceOf(event.streamType);
      if (!source) continue;
      const trace = {
        correlationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : null,
        causationId: event.eventId,
      };
      for (const merchantEvent of await this.merchantEventsOf(source, event)) {
        merchantEvents.push(merchantEvent);
        traces.set(merchantEvent.id, trace);
      }
    }
    if (merchantEvents.length === 0) return;
    const merchantIds = [...new Set(merchantEvents.map((e) => e.merchantId))];
    const endpoints = await this.endpoints.find({ where: { merchantId: In(merchantIds), deletedAt: IsNull() } });
    const now = this.clock.now();
    const rows: NewDelivery[] = [];
    for (const merchantEvent of merchantEvents) {
      const payload = toCloudEvent(merchantEvent) as unknown as Record<string, unknown>;
      const trace = traces.get(merchantEvent.id)!;
      for (const endpoint of endpoints) {
        if (endpoint.merchantId !== merchantEvent.merchantId) continue;
        if (endpoint.eventTypes !== null && !endpoint.eventTypes.includes(merchantEvent.type)) continue;
        rows.push({
          deliveryId: newId('webhookDelivery', now.getTime()),
          merchantId: merchantEvent.merchantId,
          endpointId: endpoint.endpointId,
          targetUrl: null,
          lane: laneOf({ endpointId: endpoint.endpointId }, merchantEvent.objectId),
          eventId: merchantEvent.id,
          eventType: merchantEvent.type,
          objectId: merchantEvent.objectId,
          payload,
          // Held for a redelivery while the endpoint is disabled.
          status: endpoint.status === 'ENABLED' ? 'PENDING' : 'ENDPOINT_DISABLED',
          createdAt: now,
          trace,
        });
      }
      // The object's own webhooksUrl (a charge's or an agreement's) gets its events too, signed with the merchant's
      // default secret; checked against the outbound rules when it was set, and again at every attempt.
      const url = merchantEvent.objectWebhooksUrl;
      if (url) {
        rows.push({
          deliveryId: newId('webhookDelivery', now.getTime()),
          merchantId: merchantEvent.merchantId,
          endpointId: null,
          targetUrl: url,
          lane: laneOf({ url }, merchantEvent.objectId),
          eventId: merchantEvent.id,
          eventType: merchantEvent.type,
          objectId: merchantEvent.objectId,
          payload,
          status: 'PENDING',
          createdAt: now,
          trace,
        });
      }
    }
    const lanes = await this.deliveries.insert(rows, session);
    await this.timers.schedule(
      lanes.map((lane) => ({ queue: WEBHOOK_DELIVERY_QUEUE, key: lane, kind: WEBHOOK_LANE_TIMER, dueAt: now })),
      // A lane whose timer is running now runs once more after: the new delivery is not left behind.
      { mode: 'again', session },
    );
  };

  private async merchantEventsOf(source: MerchantEventSource<unknown>, event: EventEnvelope): Promise<MerchantEvent[]> {
    const before = await this.stateBefore(source, event);
    const after = source.evolve(before, event);
    this.snapshots.set(event.streamId, { state: after, version: event.streamVersion });
    return source.merchantEventsOf(before, after, event);
  }

  private async stateBefore(source: MerchantEventSource<unknown>, event: EventEnvelope): Promise<unknown> {
    // A stream's first event starts from nothing: no read (every new charge, on the path of each create).
    if (event.streamVersion === 1) return source.initialState;
    const known = this.snapshots.get(event.streamId);
    if (known && known.version === event.streamVersion - 1) return known.state;
    const stored = await this.store.readStream(event.streamId, 1);
    return stored.filter((e) => e.streamVersion < event.streamVersion).reduce(source.evolve, source.initialState);
  }
}
