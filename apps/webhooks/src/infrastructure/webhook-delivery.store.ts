import type { Pool, PoolClient } from 'pg';
import {
  WEBHOOK_ENDPOINT_EVENT_SCHEMA_VERSIONS,
  type WebhookDeliveryStatus,
  type WebhookEndpointDisabled,
  webhookEndpointStreamId,
  type WebhookEndpointStatus,
} from '@payment-ledger/contracts';
import { type EventStore, inTransaction } from '@payment-ledger/event-store';

/** A delivery to make: one merchant event to one target (an endpoint, or the object's own webhooksUrl). */
export interface NewDelivery {
  deliveryId: string;
  merchantId: string;
  endpointId: string | null;
  targetUrl: string | null;
  lane: string;
  eventId: string;
  eventType: string;
  objectId: string;
  payload: Record<string, unknown>;
  status: Extract<WebhookDeliveryStatus, 'PENDING' | 'ENDPOINT_DISABLED'>;
  createdAt: Date;
  /** The trace of the work it is part of (its attempts are sent and logged under it); null: none known. */
  trace: DeliveryTrace;
}

/** A delivery's correlation id (the domain event's) and causation id (that event's id, or a redelivery request's). */
export interface DeliveryTrace {
  correlationId: string | null;
  causationId: string | null;
}

/** The oldest pending delivery of a lane, with what sending it needs of its endpoint. */
export interface LaneHead {
  deliveryId: string;
  merchantId: string;
  endpointId: string | null;
  url: string;
  eventId: string;
  payload: Record<string, unknown>;
  attempts: number;
  nextAttemptAt: Date | null;
  trace: DeliveryTrace;
  endpoint: {
    status: WebhookEndpointStatus;
    secretCiphertext: string;
    previousSecretCiphertext: string | null;
    previousSecretExpiresAt: Date | null;
    failingSince: Date | null;
  } | null;
}

/** One attempt, as the log keeps it. */
export interface AttemptRecord {
  deliveryId: string;
  merchantId: string;
  attemptNumber: number;
  url: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseBody: string | null;
  latencyMs: number;
  error: string | null;
  attemptedAt: Date;
  trace: DeliveryTrace;
}

/** What an attempt leaves the delivery as. */
export type DeliverySettlement =
  { status: 'SUCCEEDED' } | { status: 'FAILED' } | { status: 'PENDING'; nextAttemptAt: Date };

/** What an attempt did to its endpoint. */
export type EndpointEffect = 'succeeded' | 'failed' | { disable: 'ENDPOINT_GONE' | 'FAILING' };

/** An endpoint's effect that disables nothing. */
type RecordedEffect = { endpointId: string; effect: 'succeeded' | 'failed' };

/**
 * The SQL of deliveries on the path of every merchant event and every attempt (one statement each, or one transaction
 * for an attempt's three writes); endpoints' own reads and writes go through their TypeORM repository.
 */
export class WebhookDeliveryStore {
  constructor(
    private readonly pool: Pool,
    /** Where an endpoint's disabling is recorded (`WebhookEndpointDisabled`), in the transaction that disables it. */
    private readonly events: EventStore<PoolClient>,
  ) {}

  /**
   * Adds the deliveries, in the caller's transaction (the consumer's inbox transaction): one consumed twice is not
   * added again (one per event and lane). Returns the lanes that got a pending delivery.
   */
  async insert(deliveries: NewDelivery[], session: PoolClient): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const { rows } = await session.query<{ lane: string; status: WebhookDeliveryStatus }>({
      name: 'webhook_deliveries.insert',
      text: `INSERT INTO webhook_deliveries (delivery_id, merchant_id, endpoint_id, target_url, lane, event_id, event_type,
                                             object_id, payload, status, created_at, updated_at, correlation_id,
                                             causation_id)
             SELECT d.delivery_id, d.merchant_id, d.endpoint_id, d.target_url, d.lane, d.event_id, d.event_type,
                    d.object_id, d.payload, d.status, d.created_at, d.created_at, d.correlation_id, d.causation_id
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                           $8::text[], $9::jsonb[], $10::text[], $11::timestamptz[], $12::text[], $13::text[])
                    WITH ORDINALITY
                    AS d(delivery_id, merchant_id, endpoint_id, target_url, lane, event_id, event_type, object_id,
                         payload, status, created_at, correlation_id, causation_id, n)
              ORDER BY d.n
             ON CONFLICT (event_id, lane) WHERE NOT redelivery DO NOTHING
             RETURNING lane, status`,
      values: [
        deliveries.map((d) => d.deliveryId),
        deliveries.map((d) => d.merchantId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.targetUrl),
        deliveries.map((d) => d.lane),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.eventType),
        deliveries.map((d) => d.objectId),
        deliveries.map((d) => JSON.stringify(d.payload)),
        deliveries.map((d) => d.status),
        deliveries.map((d) => d.createdAt),
        deliveries.map((d) => d.trace.correlationId),
        deliveries.map((d) => d.trace.causationId),
      ],
    });
    return [...new Set(rows.filter((r) => r.status === 'PENDING').map((r) => r.lane))];
  }

  /** Adds one delivery (a test event) and answers it as its lane's head, to be sent at once. */
  async insertOne(delivery: NewDelivery): Promise<LaneHead> {
    const client = await this.pool.connect();
    try {
      await this.insert([delivery], client);
    } finally {
      client.release();
    }
    const head = await this.laneHead(delivery.lane);
    if (!head) throw new Error(`delivery ${delivery.deliveryId} was not recorded`);
    return head;
  }

  /** The lane's oldest pending delivery (lanes go in order: the ones after it wait). */
  async laneHead(lane: string): Promise<LaneHead | null> {
    return (await this.laneHeads([lane])).get(lane) ?? null;
  }

  /** The oldest pending delivery of each lane, in one statement (the lanes a timer claim just took); none: absent. */
  async laneHeads(lanes: string[]): Promise<Map<string, LaneHead>> {
    const { rows } = await this.pool.query({
      name: 'webhook_deliveries.lane_heads',
      text: `SELECT DISTINCT ON (d.lane) d.lane, d.delivery_id, d.merchant_id, d.endpoint_id,
                    coalesce(e.url, d.target_url) AS url, d.event_id, d.payload, d.attempts, d.next_attempt_at,
                    d.correlation_id, d.causation_id,
                    e.status AS endpoint_status, e.secret_ciphertext, e.previous_secret_ciphertext,
                    e.previous_secret_expires_at, e.failing_since, e.deleted_at
               FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON e.endpoint_id = d.endpoint_id
              WHERE d.lane = ANY($1::text[]) AND d.status = 'PENDING'
              ORDER BY d.lane, d.seq`,
      values: [lanes],
    });
    return new Map(rows.map((row) => [row.lane as string, laneHeadOf(row)]));
  }

  /**
   * Records an attempt in one transaction: the attempt in the log, its delivery settled (or set to try again), and its
   * endpoint's failing streak (started, ended, or ending in the endpoint disabled with every pending delivery of it
   * held). Returns whether the lane still has a delivery pending after it.
   */
  async recordAttempt(
    lane: string,
    attempt: AttemptRecord,
    settlement: DeliverySettlement,
    endpoint: { endpointId: string; effect: EndpointEffect } | null,
  ): Promise<{ morePending: boolean }> {
    if (!endpoint || typeof endpoint.effect === 'string') {
      return this.recordAttemptAtOnce(this.pool, lane, attempt, settlement, endpoint as RecordedEffect | null);
    }
    // An attempt that disables its endpoint: recorded as a failure, then the endpoint disabled (its pending
    // deliveries held, WebhookEndpointDisabled appended), all in one transaction.
    const disable = endpoint.effect;
    await inTransaction(this.pool, async (client) => {
      await this.recordAttemptAtOnce(client, lane, attempt, settlement, {
        endpointId: endpoint.endpointId,
        effect: 'failed',
      });
      await this.disableEndpoint(client, endpoint.endpointId, disable, attempt.attemptedAt);
    });
    // The endpoint's other deliveries of the lane are held now: none is left to send.
    return { morePending: false };
  }

  /**
   * An attempt's writes as one statement (in the session given: the pool, for its own transaction), which is one
   * round trip — the attempt, the delivery, the endpoint's failing streak — and whether another
   * delivery of the lane is pending (the statement's snapshot still shows this one pending: it is left out).
   */
  private async recordAttemptAtOnce(
    session: Pool | PoolClient,
    lane: string,
    attempt: AttemptRecord,
    settlement: DeliverySettlement,
    endpoint: RecordedEffect | null,
  ): Promise<{ morePending: boolean }> {
    const { rows } = await session.query<{ more: boolean }>({
      name: 'webhook_attempts.record',
      text: `WITH attempt AS (
               INSERT INTO webhook_attempts (delivery_id, merchant_id, attempt_number, url, request_headers,
                                             response_status, response_body, latency_ms, error, attempted_at,
                                             correlation_id, causation_id)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $16, $17)
             ), settled AS (
               UPDATE webhook_deliveries
                  SET status = $11, attempts = attempts + 1, next_attempt_at = $12, last_attempt_at = $10,
                      updated_at = $10
                WHERE delivery_id = $1 AND status = 'PENDING'
             ), streak AS (
               UPDATE webhook_endpoints
                  SET failing_since = CASE WHEN $14 = 'succeeded' THEN NULL ELSE $10 END
                WHERE endpoint_id = $13
                  AND CASE WHEN $14 = 'succeeded' THEN failing_since IS NOT NULL ELSE failing_since IS NULL END
             )
             SELECT EXISTS (SELECT 1 FROM webhook_deliveries
                             WHERE lane = $15 AND status = 'PENDING' AND delivery_id <> $1) AS more`,
      values: [
        attempt.deliveryId,
        attempt.merchantId,
        attempt.attemptNumber,
        attempt.url,
        JSON.stringify(attempt.requestHeaders),
        attempt.responseStatus,
        attempt.responseBody,
        attempt.latencyMs,
        attempt.error,
        attempt.attemptedAt,
        settlement.status,
        settlement.status === 'PENDING' ? settlement.nextAttemptAt : null,
        endpoint?.endpointId ?? null,
        endpoint?.effect ?? null,
        lane,
        attempt.trace.correlationId,
        attempt.trace.causationId,
      ],
    });
    return { morePending: rows[0].more };
  }

  /**
   * Holds a lane's pending deliveries (to an object's own webhooksUrl) while the merchant has no default signing
   * secret: SIGNING_SECRET_MISSING, until the merchant creates one (releaseSecretHeldOfMerchant).
   */
  async holdLaneForSecret(lane: string, now: Date): Promise<number> {
    const { rowCount } = await this.pool.query({
      name: 'webhook_deliveries.hold_for_secret',
      text: `UPDATE webhook_deliveries SET status = 'SIGNING_SECRET_MISSING', next_attempt_at = NULL, updated_at = $2
              WHERE lane = $1 AND status = 'PENDING' AND endpoint_id IS NULL
                -- Made meanwhile: its release may have run already, so nothing is held.
                AND NOT EXISTS (SELECT 1 FROM webhook_merchant_secrets s WHERE s.merchant_id = webhook_deliveries.merchant_id)`,
      values: [lane, now],
    });
    return rowCount ?? 0;
  }

  /** Holds an endpoint's pending deliveries (it is disabled or deleted): they wait for a redelivery. */
  async holdPendingOfEndpoint(endpointId: string, now: Date, session?: PoolClient): Promise<number> {
    const { rowCount } = await (session ?? this.pool).query({
      name: 'webhook_deliveries.hold',
      text: `UPDATE webhook_deliveries SET status = 'ENDPOINT_DISABLED', next_attempt_at = NULL, updated_at = $2
              WHERE endpoint_id = $1 AND status = 'PENDING'`,
      values: [endpointId, now],
    });
    return rowCount ?? 0;
  }

  /** Disables the endpoint, holds its pending deliveries and records WebhookEndpointDisabled, in the session. */
  private async disableEndpoint(
    session: PoolClient,
    endpointId: string,
    effect: { disable: 'ENDPOINT_GONE' | 'FAILING' },
    now: Date,
  ): Promise<void> {
    const { rows } = await session.query<{ merchant_id: string; url: string; failing_since: Date | null }>({
      name: 'webhook_endpoints.disable',
      text: `UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = $2, updated_at = $3
              WHERE endpoint_id = $1 AND status = 'ENABLED'
              RETURNING merchant_id, url, failing_since`,
      values: [endpointId, effect.disable, now],
    });
    await this.holdPendingOfEndpoint(endpointId, now, session);
    const disabled = rows[0];
    if (!disabled) return; // disabled meanwhile (another replica, the merchant): recorded then, not twice
    const event: WebhookEndpointDisabled = {
      type: 'WebhookEndpointDisabled',
      data: {
        at: now.toISOString(),
        endpointId,
        merchantId: disabled.merchant_id,
        url: disabled.url,
        reason: effect.disable === 'ENDPOINT_GONE' ? 'GONE' : 'FAILING',
        failingSince: effect.disable === 'FAILING' ? (disabled.failing_since?.toISOString() ?? null) : null,
      },
    };
    await this.events.append(
      webhookEndpointStreamId(endpointId),
      'any',
      [
        {
          ...event,
          schemaVersion: WEBHOOK_ENDPOINT_EVENT_SCHEMA_VERSIONS.WebhookEndpointDisabled,
          metadata: { merchantId: disabled.merchant_id, actor: 'webhooks' },
        },
      ],
      session,
    );
  }
}

/** A lane head from its row (laneHeads). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row of the statement above, read field by field
function laneHeadOf(row: any): LaneHead {
  return {
    deliveryId: row.delivery_id,
    merchantId: row.merchant_id,
    endpointId: row.endpoint_id,
    url: row.url,
    eventId: row.event_id,
    payload: row.payload,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    trace: { correlationId: row.correlation_id, causationId: row.causation_id },
    endpoint:
      row.endpoint_id === null
        ? null
        : {
            // A deleted endpoint is sent nothing more: its deliveries are held as for a disabled one.
            status: row.deleted_at === null ? row.endpoint_status : 'DISABLED',
            secretCiphertext: row.secret_ciphertext,
            previousSecretCiphertext: row.previous_secret_ciphertext,
            previousSecretExpiresAt: row.previous_secret_expires_at,
            failingSince: row.failing_since,
          },
  };
}
