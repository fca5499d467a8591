/**
 * The refund calls a charge's refund stream has asked for and not had answered: each RefundRequested whose outcome
 * is not recorded and that the provider has not accepted yet. The command loop makes them right after the intent is
 * appended, and a durable retry makes them again after a crash or a failed call; the refund id recorded in the intent
 * is the call's idempotency key, so the provider refunds once however often it is asked.
 */
import type { Money, RefundSimulationCode } from '@payment-ledger/contracts';
import type { ChargeRefundsState } from './charge-refunds.decider';

export interface RefundProviderCall {
  kind: 'refund';
  idempotencyKey: string;
  chargeId: string;
  refundId: string;
  amount: Money;
  simulationCode: RefundSimulationCode | null;
  /** The charge's merchant, named to the provider so that its notifications about the refund say whose it is. */
  merchantId: string | null;
}

export function pendingRefundCalls(state: ChargeRefundsState): RefundProviderCall[] {
  return state.refunds
    .filter((r) => r.status === 'REFUND_PENDING' && r.providerReference === null)
    .map((r) => ({
      kind: 'refund',
      idempotencyKey: r.id,
      chargeId: r.chargeId,
      refundId: r.id,
      amount: { value: r.amount, currency: r.currency },
      simulationCode: r.simulationCode,
      merchantId: state.merchantId,
    }));
}
