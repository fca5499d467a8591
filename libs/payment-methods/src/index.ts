export * from './payment-method-provider';
export * from './provider-errors';
export * from './migrations-path';
export * from './amazon-pay-sandbox/amazon-pay-sandbox.provider';
export * from './amazon-pay-sandbox/hosted-page-link';
export * from './amazon-pay-sandbox/simulation-outcomes';
export type {
  SandboxCharge,
  SandboxChargeState,
  SandboxOperation,
  SandboxOperationType,
} from './amazon-pay-sandbox/sandbox-charge';
export * from './amazon-pay-sandbox/sandbox-provider-records';
export * from './amazon-pay-sandbox/in-memory-sandbox-provider-records';
export * from './amazon-pay-sandbox/postgres-sandbox-provider-records';
export * from './amazon-pay-sandbox/sandbox-records.entities';
export * from './amazon-pay-sandbox/sandbox-page.config';
export * from './amazon-pay-sandbox/sandbox-notifications';
export type { RefundBooks, SandboxRefund, SandboxRefundState } from './amazon-pay-sandbox/sandbox-refund';
export type {
  ChargebackBooks,
  SandboxChargeback,
  SandboxChargebackState,
} from './amazon-pay-sandbox/sandbox-chargeback';
