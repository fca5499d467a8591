import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CloudEvent, MerchantObjectType, WebhookEventType } from '@payment-ledger/contracts';

/**
 * A row of the merchant's event log (`merchant_events`, migration 0901): one merchant event, kept by
 * MerchantEventLogProjection from the global event log. Written in bulk with SQL by the projection; read here.
 */
@Entity({ name: 'merchant_events' })
export class MerchantEventEntity {
  @PrimaryColumn({ name: 'event_id', type: 'text' })
  eventId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text' })
  type!: WebhookEventType;

  @Column({ name: 'object_type', type: 'text' })
  objectType!: MerchantObjectType;

  @Column({ name: 'object_id', type: 'text' })
  objectId!: string;

  @Column({ name: 'stream_id', type: 'text' })
  streamId!: string;

  @Column({ name: 'stream_version', type: 'integer' })
  streamVersion!: number;

  @Column({ name: 'global_position', type: 'bigint' })
  globalPosition!: string;

  @Column({ type: 'timestamptz' })
  time!: Date;

  /**
   * The CloudEvent (column `payload`), as every delivery of it sends it. Named `state` as in every read model, so
   * the shared list query (listPage) answers it.
   */
  @Column({ name: 'payload', type: 'jsonb' })
  state!: CloudEvent;
}
