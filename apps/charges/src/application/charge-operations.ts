import type { CaptureResource, VoidResource } from '@payment-ledger/contracts';
import { type ChargeState, exists } from '../domain/charge.decider';
import { OperationNotFound, PaymentChargeNotFound } from '../domain/charge-errors';

export function captureResource(state: ChargeState, captureId: string): CaptureResource {
  if (!exists(state)) throw new PaymentChargeNotFound();
  const capture = state.captures.find((c) => c.id === captureId);
  if (!capture) throw new OperationNotFound('capture_not_found', 'Capture not found');
  const { id, amount, status, createdAt, updatedAt } = capture;
  return { id, paymentChargeId: state.id, amount, currency: state.amount.currency, status, createdAt, updatedAt };
}

export function voidResource(state: ChargeState, voidId: string): VoidResource {
  if (!exists(state)) throw new PaymentChargeNotFound();
  const entry = state.voids.find((v) => v.id === voidId);
  if (!entry) throw new OperationNotFound('void_not_found', 'Void not found');
  const { id, amount, status, reason, createdAt, updatedAt } = entry;
  return {
    id,
    paymentChargeId: state.id,
    amount,
    currency: state.amount.currency,
    status,
    reason,
    createdAt,
    updatedAt,
  };
}
