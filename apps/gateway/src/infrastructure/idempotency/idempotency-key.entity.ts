import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A row of `idempotency_keys` (apps/gateway/migrations/0300_gateway.sql): claimed `in_flight` while the first request
 * runs, `completed` with its response after.
 */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ type: 'text' })
  state!: 'in_flight' | 'completed';

  /** The id the first attempt gave its new object, reused by a retry after a crash. */
  @Column({ name: 'resource_id', type: 'text' })
  resourceId!: string;

  @Column({ name: 'locked_at', type: 'timestamptz', nullable: true })
  lockedAt!: Date | null;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ name: 'response_body', type: 'json', nullable: true })
  responseBody!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
