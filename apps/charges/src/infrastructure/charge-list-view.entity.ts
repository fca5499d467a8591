import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExistingCharge } from '../domain/charge.decider';

/**
 * A row of the `charge_list_view` read model (apps/charges/migrations/0400_charges.sql): one charge's latest state.
 * Read through the entity's repository (ListChargesQuery); written in bulk by ChargeListProjection's SQL.
 */
@Entity({ name: 'charge_list_view' })
export class ChargeListViewEntity {
  @PrimaryColumn({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'merchant_payment_charge_reference', type: 'text', nullable: true })
  merchantPaymentChargeReference!: string | null;

  @Column({ name: 'agreement_id', type: 'text', nullable: true })
  agreementId!: string | null;

  @Column({ name: 'stream_version', type: 'integer' })
  streamVersion!: number;

  @Column({ type: 'jsonb' })
  state!: ExistingCharge;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
