import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A provider notification received (`provider_notifications`, migration 0902), one per NotificationId: what makes a
 * copy of it (the provider retries) a duplicate. `processedAt` null: taken, not reconciled yet (a copy is processed).
 */
@Entity({ name: 'provider_notifications' })
export class ProviderNotificationEntity {
  @PrimaryColumn({ name: 'notification_id', type: 'text' })
  notificationId!: string;

  /** `amazon-pay`: the route it came in by. */
  @Column({ type: 'text' })
  provider!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ name: 'object_type', type: 'text' })
  objectType!: string;

  @Column({ name: 'object_id', type: 'text' })
  objectId!: string;

  @Column({ name: 'charge_permission_id', type: 'text' })
  chargePermissionId!: string;

  @Column({ name: 'notification_type', type: 'text' })
  notificationType!: string;

  @Column({ name: 'notification_version', type: 'text' })
  notificationVersion!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  outcome!: 'RECORDED' | 'NOT_FOUND' | 'IGNORED' | null;

  /** The event types the owning service recorded for it. */
  @Column({ type: 'jsonb' })
  events!: string[];
}
