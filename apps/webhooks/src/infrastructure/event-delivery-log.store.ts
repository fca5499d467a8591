import type { Pool, PoolClient } from 'pg';
import type { WebhookAttemptResource, WebhookDeliveryResource, WebhookDeliveryStatus } from '@payment-ledger/contracts';

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
}

/**
 * The SQL of the delivery log's reads (an event's deliveries and their attempts) and of redeliveries. A redelivery
 * is a row of its own (`redelivery`, migration 0901) in the same lane as the event's first delivery to that
 * endpoint: lanes send in seq order, one at a time, so it goes after what the lane already has pending and never
 * beside it (order per (endpoint, object) holds), with its own attempts and a fresh retry schedule, and the same
 * `webhook-id` (the event's id). Only first deliveries are one per (event, lane).
 */
export class EventDeliveryLogStore {
  constructor(private readonly pool: Pool) {}

  /** An event's deliveries (the merchant's only), oldest first, each with its attempts. */
  async deliveriesOfEvent(merchantId: string, eventId: string): Promise<WebhookDeliveryResource[]> {
    const { rows } = await this.pool.query<DeliveryRow>({
      name: 'webhook_deliveries.of_event',
      text: `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
              WHERE merchant_id = $1 AND event_id = $2 ORDER BY seq`,
      values: [merchantId, eventId],
    });
    const attempts = await this.attemptsOf(rows.map((r) => r.delivery_id));
    return rows.map((row) => toDeliveryResource(row, attempts.get(row.delivery_id) ?? []));
  }

  /** Adds the redeliveries (PENDING) in the caller's transaction; returns them as the log shows them. */
  async insertRedeliveries(session: PoolClient, redeliveries: NewRedelivery[]): Promise<WebhookDeliveryResource[]> {
    if (redeliveries.length === 0) return [];
    const { rows } = await session.query<DeliveryRow>({
      name: 'webhook_deliveries.insert_redeliveries',
      text: `INSERT INTO webhook_deliveries (delivery_id, merchant_id, endpoint_id, lane, event_id, event_type, object_id,
                                             payload, status, redelivery, created_at, updated_at)
             SELECT d.delivery_id, d.merchant_id, d.endpoint_id, d.lane, d.event_id, d.event_type, d.object_id,
                    d.payload, 'PENDING', true, d.created_at, d.created_at
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                           $8::jsonb[], $9::timestamptz[]) WITH ORDINALITY
                    AS d(delivery_id, merchant_id, endpoint_id, lane, event_id, event_type, object_id, payload,
                         created_at, n)
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
      ],
    });
    return rows.map((row) => toDeliveryResource(row, []));
  }

  /**
   * An endpoint's deliveries created in [from, to) that a bulk redelivery sends again: the FAILED ones (given up;
   * sent again as redeliveries), oldest first.
   */
  async failedOfEndpoint(
    session: PoolClient,
    endpointId: string,
    from: Date,
    to: Date,
  ): Promise<Omit<NewRedelivery, 'deliveryId' | 'createdAt'>[]> {
    const { rows } = await session.query({
      name: 'webhook_deliveries.failed_of_endpoint',
      text: `SELECT merchant_id, endpoint_id, lane, event_id, event_type, object_id, payload FROM webhook_deliveries
              WHERE endpoint_id = $1 AND status = 'FAILED' AND created_at >= $2 AND created_at < $3
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

  private async attemptsOf(deliveryIds: string[]): Promise<Map<string, WebhookAttemptResource[]>> {
    const byDelivery = new Map<string, WebhookAttemptResource[]>();
    if (deliveryIds.length === 0) return byDelivery;
    const { rows } = await this.pool.query({
      name: 'webhook_attempts.of_deliveries',
      text: `SELECT delivery_id, attempt_number, url, request_headers, response_status, response_body, latency_ms,
                    error, attempted_at
               FROM webhook_attempts WHERE delivery_id = ANY($1::text[]) ORDER BY attempt_id`,
      values: [deliveryIds],
    });
    for (const r of rows) {
      const attempt: WebhookAttemptResource = {
        attemptNumber: r.attempt_number,
        url: r.url,
        requestHeaders: r.request_headers,
        responseStatus: r.response_status,
        responseBody: r.response_body,
        latencyMs: r.latency_ms,
        error: r.error,
        attemptTimestamp: (r.attempted_at as Date).toISOString(),
      };
      const list = byDelivery.get(r.delivery_id);
      if (list) list.push(attempt);
      else byDelivery.set(r.delivery_id, [attempt]);
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
