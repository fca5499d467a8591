import type { Pool, PoolClient } from 'pg';
import { In, type Repository } from 'typeorm';
import type { WebhookAttemptResource, WebhookDeliveryResource, WebhookDeliveryStatus } from '@payment-ledger/contracts';
import type { DeliveryTrace } from './webhook-delivery.store';
import type { WebhookAttemptEntity, WebhookDeliveryEntity } from './webhook.entities';

/** A redelivery to add: an event sent again to one endpoint, in the lane of (endpoint, object). */
export interface NewRedelivery {
  deliveryId: string;
  merchantId: string;
  endpointId: string;
  lane: string;
  eventId: string;
  eventType: string;
  objectId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** The redelivery request's trace. */
  trace: DeliveryTrace;
}

/**
 * The SQL of the delivery log's reads (an event's deliveries and their attempts) and of redeliveries. A redelivery
 * is a row of its own (`redelivery`, migration 0901) in the same lane as the event's first delivery to that
 * endpoint: lanes send in seq order, one at a time, so it goes after what the lane already has pending and never
 * beside it (order per (endpoint, object) holds), with its own attempts and a fresh retry schedule, and the same
 * `webhook-id` (the event's id). Only first deliveries are one per (event, lane).
 */
export class EventDeliveryLogStore {
  constructor(
    private readonly pool: Pool,
    /** The log's plain reads (an event's deliveries, their attempts) go through the entities' repositories. */
    private readonly deliveries: Repository<WebhookDeliveryEntity>,
    private readonly attempts: Repository<WebhookAttemptEntity>,
  ) {}

  /** An event's deliveries (the merchant's only), oldest first, each with its attempts. */
  async deliveriesOfEvent(merchantId: string, eventId: string): Promise<WebhookDeliveryResource[]> {
    const deliveries = await this.deliveries.find({ where: { merchantId, eventId }, order: { seq: 'ASC' } });
    const attempts = await this.attemptsOf(deliveries.map((d) => d.deliveryId));
    return deliveries.map((delivery) =>
      toDeliveryResource(
        {
          delivery_id: delivery.deliveryId,
          event_id: delivery.eventId,
          endpoint_id: delivery.endpointId,
          status: delivery.status,
          attempts: delivery.attempts,
          next_attempt_at: delivery.nextAttemptAt,
          redelivery: delivery.redelivery,
          created_at: delivery.createdAt,
        },
        attempts.get(delivery.deliveryId) ?? [],
      ),
    );
  }

  /** Adds the redeliveries (PENDING) in the caller's transaction; returns them as the log shows them. */
  async insertRedeliveries(session: PoolClient, redeliveries: NewRedelivery[]): Promise<WebhookDeliveryResource[]> {
    if (redeliveries.length === 0) return [];
    const { rows } = await session.query<DeliveryRow>({
      name: 'webhook_deliveries.insert_redeliveries',
      text: `INSERT INTO webhook_deliveries (delivery_id, merchant_id, endpoint_id, lane, event_id, event_type, object_id,
                                             payload, status, redelivery, created_at, updated_at, correlation_id,
                                             causation_id)
             SELECT d.delivery_id, d.merchant_id, d.endpoint_id, d.lane, d.event_id, d.event_type, d.object_id,
                    d.payload, 'PENDING', true, d.created_at, d.created_at, d.correlation_id, d.causation_id
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                           $8::jsonb[], $9::timestamptz[], $10::text[], $11::text[]) WITH ORDINALITY
                    AS d(delivery_id, merchant_id, endpoint_id, lane, event_id, event_type, object_id, payload,
                         created_at, correlation_id, causation_id, n)
              ORDER BY d.n
             RETURNING ${DELIVERY_COLUMNS}`,
      values: [
        redeliveries.map((d) => d.deliveryId),
        redeliveries.map((d) => d.merchantId),
        redeliveries.map((d) => d.endpointId),
        redeliveries.map((d) => d.lane),
        redeliveries.map((d) => d.eventId),
        redeliveries.map((d) => d.eventType),
        redeliveries.map((d) => d.objectId),
        redeliveries.map((d) => JSON.stringify(d.payload)),
        redeliveries.map((d) => d.createdAt),
        redeliveries.map((d) => d.trace.correlationId),
        redeliveries.map((d) => d.trace.causationId),
      ],
    });
    return rows.map((row) => toDeliveryResource(row, []));
  }

  /**
   * The events an endpoint's bulk redelivery sends again: those with a delivery to it created in [from, to) that was
   * given up (FAILED), once each (an event may have failed as a first delivery and as redeliveries), in the order of
   * their first failed delivery — except the events it has received since (a SUCCEEDED delivery of the same event,
   * a redelivery say) or that are on their way again (a PENDING one): a second bulk call queues nothing twice.
   */
  async failedOfEndpoint(
    session: PoolClient,
    endpointId: string,
    from: Date,
    to: Date,
  ): Promise<Omit<NewRedelivery, 'deliveryId' | 'createdAt' | 'trace'>[]> {
    const { rows } = await session.query({
      name: 'webhook_deliveries.failed_of_endpoint',
      text: `SELECT merchant_id, endpoint_id, lane, event_id, event_type, object_id, payload FROM (
               SELECT DISTINCT ON (f.event_id) f.seq, f.merchant_id, f.endpoint_id, f.lane, f.event_id, f.event_type,
                      f.object_id, f.payload
                 FROM webhook_deliveries f
                WHERE f.endpoint_id = $1 AND f.status = 'FAILED' AND f.created_at >= $2 AND f.created_at < $3
                  AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                                   WHERE o.endpoint_id = f.endpoint_id AND o.event_id = f.event_id
                                     AND o.status IN ('SUCCEEDED', 'PENDING', 'ENDPOINT_DISABLED'))
                ORDER BY f.event_id, f.seq) failed
              ORDER BY seq`,
      values: [endpointId, from, to],
    });
    return rows.map((r) => ({
      merchantId: r.merchant_id,
      endpointId: r.endpoint_id,
      lane: r.lane,
      eventId: r.event_id,
      eventType: r.event_type,
      objectId: r.object_id,
      payload: r.payload,
    }));
  }

  /**
   * Releases an endpoint's held deliveries (ENDPOINT_DISABLED) created in [from, to): PENDING again, due now. They
   * were never given up, only paused, so they keep their place (seq) in their lanes and go in their events' order.
   * Returns their lanes.
   */
  async releaseHeldOfEndpoint(session: PoolClient, endpointId: string, from: Date, to: Date, now: Date) {
    const { rows } = await session.query<{ lane: string }>({
      name: 'webhook_deliveries.release_held',
      text: `UPDATE webhook_deliveries SET status = 'PENDING', next_attempt_at = NULL, updated_at = $4
              WHERE endpoint_id = $1 AND status = 'ENDPOINT_DISABLED' AND created_at >= $2 AND created_at < $3
              RETURNING lane`,
      values: [endpointId, from, to, now],
    });
    return rows.map((r) => r.lane);
  }

  /** Releases a merchant's deliveries held for its missing signing secret: PENDING again, due now. Their lanes. */
  async releaseSecretHeldOfMerchant(merchantId: string, now: Date, session: PoolClient): Promise<string[]> {
    const { rows } = await session.query<{ lane: string }>({
      name: 'webhook_deliveries.release_secret_held',
      text: `UPDATE webhook_deliveries SET status = 'PENDING', next_attempt_at = NULL, updated_at = $2
              WHERE merchant_id = $1 AND status = 'SIGNING_SECRET_MISSING'
              RETURNING lane`,
      values: [merchantId, now],
    });
    return [...new Set(rows.map((r) => r.lane))];
  }

  private async attemptsOf(deliveryIds: string[]): Promise<Map<string, WebhookAttemptResource[]>> {
    const byDelivery = new Map<string, WebhookAttemptResource[]>();
    if (deliveryIds.length === 0) return byDelivery;
    const rows = await this.attempts.find({ where: { deliveryId: In(deliveryIds) }, order: { attemptId: 'ASC' } });
    for (const r of rows) {
      const attempt: WebhookAttemptResource = {
        attemptNumber: r.attemptNumber,
        url: r.url,
        requestHeaders: r.requestHeaders,
        responseStatus: r.responseStatus,
        responseBody: r.responseBody,
        latencyMs: r.latencyMs,
        error: r.error,
        attemptTimestamp: r.attemptedAt.toISOString(),
      };
      const list = byDelivery.get(r.deliveryId);
      if (list) list.push(attempt);
      else byDelivery.set(r.deliveryId, [attempt]);
    }
    return byDelivery;
  }
}

const DELIVERY_COLUMNS = `delivery_id, event_id, endpoint_id, status, attempts, next_attempt_at, redelivery, created_at`;

interface DeliveryRow {
  delivery_id: string;
  event_id: string;
  endpoint_id: string | null;
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: Date | null;
  redelivery: boolean;
  created_at: Date;
}

function toDeliveryResource(row: DeliveryRow, attempts: WebhookAttemptResource[]): WebhookDeliveryResource {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    webhookEndpointId: row.endpoint_id,
    status: row.status,
    attemptCount: row.attempts,
    nextAttemptTimestamp: row.next_attempt_at?.toISOString() ?? null,
    redelivery: row.redelivery,
    creationTimestamp: row.created_at.toISOString(),
    attempts,
  };
}
