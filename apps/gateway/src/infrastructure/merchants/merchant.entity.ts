import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A row of `merchants` (apps/gateway/migrations/0300_gateway.sql). */
@Entity({ name: 'merchants' })
export class MerchantEntity {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  mode!: 'SANDBOX' | 'LIVE';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
