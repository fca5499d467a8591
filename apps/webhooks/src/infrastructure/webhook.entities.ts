import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SealedSigningSecrets } from './secret-box';
import type {
  WebhookDeliveryStatus,
  WebhookEndpointDisabledReason,
  WebhookEndpointStatus,
  WebhookEventType,
} from '@payment-ledger/contracts';

/**
 * The webhooks service's records (apps/webhooks/migrations/0900_webhooks.sql): a merchant's endpoints, one delivery
 * per (merchant event, target), and every attempt of a delivery. Endpoints are read and written through their
 * repository; deliveries and attempts too, except the statements on the path of every event and every attempt
 * (WebhookDeliveryStore), which are one statement for many rows.
 */
/**
 * A signing secret as an endpoint or a merchant holds it, sealed (SecretBox): the current one, and the one before the
 * last rotation with the time it stops signing. The same three columns in both tables, embedded.
 */
export class SealedSigningSecretColumns implements SealedSigningSecrets {
  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext!: string;

  @Column({ name: 'previous_secret_ciphertext', type: 'text', nullable: true })
  previousSecretCiphertext!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;
}

@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'endpoint_id', type: 'text' })
  endpointId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** The merchant event types sent to it; null: every type. */
  @Column({ name: 'event_types', type: 'text', array: true, nullable: true })
  eventTypes!: WebhookEventType[] | null;

  @Column({ type: 'text' })
  status!: WebhookEndpointStatus;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: WebhookEndpointDisabledReason | null;

  /** Its signing secrets, sealed (SecretBox); never in clear at rest. */
  @Column(() => SealedSigningSecretColumns, { prefix: false })
  secrets!: SealedSigningSecretColumns;

  /** Since when every attempt to it failed; null after a success. */
  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}

@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ name: 'delivery_id', type: 'text' })
  deliveryId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  /** The endpoint it goes to; null when it goes to the object's own `webhooksUrl` (targetUrl). */
  @Column({ name: 'endpoint_id', type: 'text', nullable: true })
  endpointId!: string | null;

  @Column({ name: 'target_url', type: 'text', nullable: true })
  targetUrl!: string | null;

  /** One target and one object: its deliveries go in order (see DeliveryLanes). */
  @Column({ type: 'text' })
  lane!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  @Column({ name: 'object_id', type: 'text' })
  objectId!: string;

  /** The CloudEvent sent. */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'text' })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** A redelivery (POST …/redeliveries) rather than the event's first delivery to the lane. */
  @Column({ type: 'boolean', default: false })
  redelivery!: boolean;

  /** The correlation id of the work whose event it delivers (the domain event's metadata). */
  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId!: string | null;

  /** What caused it: the domain event, or the redelivery request. */
  @Column({ name: 'causation_id', type: 'text', nullable: true })
  causationId!: string | null;
}

@Entity({ name: 'webhook_attempts' })
export class WebhookAttemptEntity {
  @PrimaryColumn({ name: 'attempt_id', type: 'bigint', insert: false, update: false })
  attemptId!: string;

  @Column({ name: 'delivery_id', type: 'text' })
  deliveryId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ name: 'attempt_number', type: 'integer' })
  attemptNumber!: number;

  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'request_headers', type: 'jsonb' })
  requestHeaders!: Record<string, string>;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody!: string | null;

  @Column({ name: 'latency_ms', type: 'integer' })
  latencyMs!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt!: Date;

  /** Its delivery's trace, under which it was sent and logged. */
  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId!: string | null;

  @Column({ name: 'causation_id', type: 'text', nullable: true })
  causationId!: string | null;
}

/** A merchant's default signing secret (for deliveries to objects' own webhooksUrl), encrypted as endpoints' are. */
@Entity({ name: 'webhook_merchant_secrets' })
export class WebhookMerchantSecretEntity {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column(() => SealedSigningSecretColumns, { prefix: false })
  secrets!: SealedSigningSecretColumns;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

export const WEBHOOK_ENTITIES = [
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  WebhookAttemptEntity,
  WebhookMerchantSecretEntity,
];
