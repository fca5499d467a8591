import type {
  CaptureList,
  CaptureRecord,
  CaptureResource,
  ListChargeOperationsMessage,
  VoidList,
  VoidRecord,
  VoidResource,
} from '@payment-ledger/contracts';
import { type ChargeState, type ExistingCharge, exists } from '../domain/charge.decider';
import { ChargeRequestRejected, OperationNotFound, PaymentChargeNotFound } from '../domain/charge-errors';

export function captureResource(state: ChargeState, captureId: string): CaptureResource {
  if (!exists(state)) throw new PaymentChargeNotFound();
  const capture = state.captures.find((c) => c.id === captureId);
  if (!capture) throw new OperationNotFound('capture_not_found', 'Capture not found');
  return toCaptureResource(state, capture);
}

export function voidResource(state: ChargeState, voidId: string): VoidResource {
  if (!exists(state)) throw new PaymentChargeNotFound();
  const entry = state.voids.find((v) => v.id === voidId);
  if (!entry) throw new OperationNotFound('void_not_found', 'Void not found');
  return toVoidResource(state, entry);
}

/** A page of the charge's captures, in the order they were asked for. */
export function captureList(state: ChargeState, page: ListChargeOperationsMessage): CaptureList {
  if (!exists(state)) throw new PaymentChargeNotFound();
  const { data, hasMore, nextCursor } = pageOf(state.captures, page, 'capture');
  return { data: data.map((c) => toCaptureResource(state, c)), hasMore, nextCursor };
}

/** A page of the charge's voids, in the order they were asked for. */
export function voidList(state: ChargeState, page: ListChargeOperationsMessage): VoidList {
  if (!exists(state)) throw new PaymentChargeNotFound();
  const { data, hasMore, nextCursor } = pageOf(state.voids, page, 'void');
  return { data: data.map((v) => toVoidResource(state, v)), hasMore, nextCursor };
}

function toCaptureResource(state: ExistingCharge, capture: CaptureRecord): CaptureResource {
  const { id, amount, status, createdAt, updatedAt } = capture;
  return { id, paymentChargeId: state.id, amount, currency: state.amount.currency, status, createdAt, updatedAt };
}

function toVoidResource(state: ExistingCharge, entry: VoidRecord): VoidResource {
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

/**
 * Up to `limit` operations after the one named `startingAfter` (from the first without it), in the charge's order;
 * `hasMore` when more follow, and then `nextCursor` is the last one's id. A cursor that is not one of the charge's
 * operations is refused (400 on `startingAfter`), as there is no place in the order to start from.
 */
function pageOf<Operation extends { id: string }>(
  operations: readonly Operation[],
  { limit, startingAfter }: ListChargeOperationsMessage,
  kind: 'capture' | 'void',
): { data: Operation[]; hasMore: boolean; nextCursor: string | null } {
  let start = 0;
  if (startingAfter !== undefined) {
    start = operations.findIndex((o) => o.id === startingAfter) + 1;
    if (start === 0) {
      throw new ChargeRequestRejected(
        'invalid_field',
        `startingAfter is not a ${kind} of this payment charge`,
        'startingAfter',
      );
    }
  }
  const data = operations.slice(start, start + limit);
  const hasMore = start + limit < operations.length;
  return { data, hasMore, nextCursor: hasMore ? data[data.length - 1].id : null };
}
