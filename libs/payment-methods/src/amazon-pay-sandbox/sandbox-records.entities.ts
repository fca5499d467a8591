import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ChargeFailure, RefundSimulationCode, SimulationCode } from '@payment-ledger/contracts';
import type { SandboxChargeState, SandboxOperationType } from './sandbox-charge';
import type { SandboxRefundState } from './sandbox-refund';

/*
 * The Amazon Pay sandbox's records (libs/payment-methods/migrations/0700_amazon_pay_sandbox.sql, 0702_…) as TypeORM
 * entities. Every write, and the reads of a call that writes, are PostgresSandboxProviderRecords' batched SQL
 * statements (its doc comment says why); the repositories serve the provider's Get of one object. Bigint columns
 * are read as decimal strings.
 */

/** Amazon Pay's "Charge" object (our authorization), with its running totals. */
@Entity({ name: 'amazon_pay_sandbox_charges' })
export class AmazonPaySandboxChargeEntity {
  @PrimaryColumn({ name: 'provider_reference', type: 'text' })
  providerReference!: string;

  @Column({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ name: 'authorization_id', type: 'text' })
  authorizationId!: string;

  @Column({ type: 'bigint' })
  amount!: string;

  @Column({ type: 'text' })
  currency!: string;

  @Column({ type: 'text' })
  state!: SandboxChargeState;

  @Column({ name: 'captured_amount', type: 'bigint', default: 0 })
  capturedAmount!: string;

  @Column({ name: 'canceled_amount', type: 'bigint', default: 0 })
  canceledAmount!: string;

  @Column({ name: 'simulation_code', type: 'text', nullable: true })
  simulationCode!: SimulationCode | null;

  @Column({ type: 'jsonb', nullable: true })
  failure!: ChargeFailure | null;

  @Column({ name: 'settles_at', type: 'timestamptz', nullable: true })
  settlesAt!: Date | null;

  @Column({ name: 'capture_now_id', type: 'text', nullable: true })
  captureNowId!: string | null;

  @Column({ name: 'capture_now_reference', type: 'text', nullable: true })
  captureNowReference!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A capture or a void of a charge. */
@Entity({ name: 'amazon_pay_sandbox_operations' })
export class AmazonPaySandboxOperationEntity {
  @PrimaryColumn({ name: 'provider_reference', type: 'text' })
  providerReference!: string;

  @Column({ type: 'text' })
  type!: SandboxOperationType;

  @Column({ name: 'charge_reference', type: 'text' })
  chargeReference!: string;

  @Column({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ name: 'operation_id', type: 'text' })
  operationId!: string;

  @Column({ type: 'bigint' })
  amount!: string;

  @Column({ type: 'text' })
  currency!: string;

  @Column({ type: 'text' })
  state!: 'Captured' | 'Canceled';

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** A refund of our charge (Amazon Pay's "Refund" object); the sum of a charge's captures bounds its refunds. */
@Entity({ name: 'amazon_pay_sandbox_refunds' })
export class AmazonPaySandboxRefundEntity {
  @PrimaryColumn({ name: 'provider_reference', type: 'text' })
  providerReference!: string;

  @Column({ name: 'charge_id', type: 'text' })
  chargeId!: string;

  @Column({ name: 'refund_id', type: 'text' })
  refundId!: string;

  @Column({ type: 'bigint' })
  amount!: string;

  @Column({ type: 'text' })
  currency!: string;

  @Column({ type: 'text' })
  state!: SandboxRefundState;

  @Column({ name: 'simulation_code', type: 'text', nullable: true })
  simulationCode!: RefundSimulationCode | null;

  @Column({ type: 'jsonb', nullable: true })
  failure!: ChargeFailure | null;

  @Column({ name: 'settles_at', type: 'timestamptz', nullable: true })
  settlesAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** An idempotency key the sandbox was called with, and the answer it gave the first time. */
@Entity({ name: 'amazon_pay_sandbox_idempotency_keys' })
export class AmazonPaySandboxIdempotencyKeyEntity {
  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  @Column({ type: 'text' })
  operation!: string;

  @Column({ type: 'text' })
  fingerprint!: string;

  @Column({ type: 'jsonb' })
  response!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/**
 * The sandbox's entities: registered with TypeOrmModule.forFeature by every service that constructs the provider
 * with PostgresSandboxProviderRecords (which reads through their repositories).
 */
export const SANDBOX_RECORD_ENTITIES = [
  AmazonPaySandboxChargeEntity,
  AmazonPaySandboxOperationEntity,
  AmazonPaySandboxRefundEntity,
  AmazonPaySandboxIdempotencyKeyEntity,
];
