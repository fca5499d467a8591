import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { MerchantEntity } from './merchant.entity';

/** A row of `api_keys`: the key's SHA-256 digest, never the key (apps/gateway/migrations/0300_gateway.sql). */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ name: 'api_key_id', type: 'text' })
  apiKeyId!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  merchantId!: string;

  @ManyToOne(() => MerchantEntity, { nullable: false })
  @JoinColumn({ name: 'merchant_id', referencedColumnName: 'merchantId' })
  merchant?: MerchantEntity;

  @Column({ name: 'key_hash', type: 'bytea', unique: true })
  keyHash!: Buffer;

  /** The first characters of the key, to tell keys apart in listings and logs. */
  @Column({ name: 'key_prefix', type: 'text' })
  keyPrefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Until when a rotated-out key still works (apps/gateway/migrations/0310_api_key_expiry.sql); null: no expiry. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
