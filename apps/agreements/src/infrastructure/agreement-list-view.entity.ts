import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ExistingAgreement } from '../domain/agreement.decider';

/**
 * A row of the `agreement_list_view` read model (apps/agreements/migrations/0500_agreements.sql): one agreement's
 * latest state. Read through the entity's repository (ListAgreementsQuery); written in bulk by
 * AgreementListProjection's SQL.
 */
@Entity({ name: 'agreement_list_view' })
export class AgreementListViewEntity {
  @PrimaryColumn({ name: 'agreement_id', type: 'text' })
  agreementId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text' })
  status!: string;

  @Column({ name: 'merchant_payment_agreement_reference', type: 'text', nullable: true })
  merchantPaymentAgreementReference!: string | null;

  @Column({ name: 'stream_version', type: 'integer' })
  streamVersion!: number;

  @Column({ type: 'jsonb' })
  state!: ExistingAgreement;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
