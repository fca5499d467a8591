import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { RefundRecord } from '@payment-ledger/contracts';

/**
 * A row of the `refund_list_view` read model (apps/refunds/migrations/0800_refunds.sql): one refund as last folded.
 * Read through the entity's repository (the list and the lookup by id); written in bulk by RefundListProjection.
 */
@Entity({ name: 'refund_list_view' })
export class RefundListViewEntity {
  @PrimaryColumn({ name: 'refund_id', type: 'text' })
  refundId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ type: 'text' })
  status!: string;

  /** The refund as last folded (the public model's record). */
  @Column({ type: 'jsonb' })
  state!: RefundRecord;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
