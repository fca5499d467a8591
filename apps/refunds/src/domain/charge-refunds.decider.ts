/**
 * A charge's refunds and chargebacks as a decider (one `refund:<chargeId>` stream per charge). `evolve` is the public
 * model's fold (libs/contracts/src/models/refund.model.ts); `decide` holds the refund rule, in one place with the
 * payment method's capability table:
 *
 *   refunds pending or succeeded + chargebacks open or lost ≤ the charge's captured amount
 *
 * A new refund or chargeback is recorded only when it keeps that true for the state it was decided on, and the
 * stream's version check refuses an append decided on a stale state (the loop decides again), so it holds under any
 * concurrency. A refund also needs the method to take it (partial, multiple) within its window after the last
 * capture. Outcomes are recorded once, for a refund still pending; repeats decide nothing.
 */
import {
  amountTakenFromCaptured,
  type ChargeRefundsState,
  evolveChargeRefunds,
  initialChargeRefundsState,
  PAYMENT_METHOD_CAPABILITIES,
  REFUND_EVENT_SCHEMA_VERSIONS,
  type RefundEvent,
  refundWindowEndsAt,
  upcastRefundEvent,
} from '@payment-ledger/contracts';
import type { Decider } from '@payment-ledger/domain-kernel';
import type { OpenChargeback, RefundableCharge, RefundCommand, RequestRefund } from './refund-commands';
import {
  AmountExceedsRefundable,
  ChargebackAlreadyResolved,
  ChargebackNotFound,
  ChargeNotCaptured,
  RefundNotSupported,
  RefundRequestRejected,
  RefundWindowExpired,
  SandboxOnly,
} from './refund-errors';

export type { ChargeRefundsState };
export const initialState = initialChargeRefundsState;
export const evolve = evolveChargeRefunds;

/** What is left to refund (or to charge back) of the charge: captured less what refunds and chargebacks took. */
export function refundableAmount(state: ChargeRefundsState, charge: Pick<RefundableCharge, 'capturedAmount'>): number {
  return Math.max(0, charge.capturedAmount - amountTakenFromCaptured(state));
}

export function decide(command: RefundCommand, state: ChargeRefundsState, now: Date): RefundEvent[] {
  const at = now.toISOString();
  switch (command.type) {
    case 'RequestRefund':
      return decideRefund(command, state, now);
    case 'RecordRefundOutcome': {
      const refund = state.refunds.find((r) => r.id === command.refundId);
      if (!refund || refund.status !== 'REFUND_PENDING') return [];
      const { outcome } = command;
      const answered = { at, refundId: refund.id, amount: refund.amount };
      switch (outcome.status) {
        case 'SUCCEEDED':
          return [{ type: 'RefundSucceeded', data: { ...answered, providerReference: outcome.providerReference } }];
        case 'DECLINED':
          return [{ type: 'RefundFailed', data: { ...answered, failure: outcome.failure } }];
        case 'PENDING':
          // Accepted, to settle later: recorded once (asking again while it is pending changes nothing).
          if (refund.providerReference !== null) return [];
          return [
            {
              type: 'RefundPending',
              data: { ...answered, providerReference: outcome.providerReference, checkAfter: outcome.checkAfter },
            },
          ];
      }
      return [];
    }
    case 'OpenChargeback':
      return decideChargeback(command, state, now);
    case 'ResolveChargeback': {
      if (command.merchant.mode !== 'SANDBOX') throw new SandboxOnly('chargebacks are simulated only in sandbox');
      const chargeback = state.chargebacks.find((c) => c.id === command.chargebackId);
      if (!chargeback) throw new ChargebackNotFound();
      if (chargeback.status === command.outcome) return [];
      if (chargeback.status !== 'OPEN') throw new ChargebackAlreadyResolved(chargeback.status);
      return [
        {
          type: 'ChargebackResolved',
          data: { at, chargebackId: chargeback.id, amount: chargeback.amount, outcome: command.outcome },
        },
      ];
    }
  }
}

function decideRefund(command: RequestRefund, state: ChargeRefundsState, now: Date): RefundEvent[] {
  // A refund id is used once: a retried request (same idempotency key, same id) changes nothing.
  if (state.refunds.some((r) => r.id === command.refundId)) return [];
  const { charge } = command;
  if (command.simulationCode !== null && command.merchant.mode !== 'SANDBOX') {
    throw new RefundRequestRejected(
      'simulation_not_allowed',
      'simulation codes are accepted only in sandbox',
      'sandbox',
    );
  }
  const rules = PAYMENT_METHOD_CAPABILITIES[charge.paymentMethod].refunds;
  if (charge.capturedAmount === 0 || charge.lastCapturedAt === null) throw new ChargeNotCaptured();
  const windowEndsAt = refundWindowEndsAt(charge.paymentMethod, charge.lastCapturedAt);
  if (now.getTime() >= windowEndsAt.getTime()) throw new RefundWindowExpired(windowEndsAt);
  const left = refundableAmount(state, charge);
  const amount = command.amount ?? left;
  if (command.amount !== null && (!Number.isSafeInteger(amount) || amount < 1)) {
    throw new RefundRequestRejected('invalid_amount', 'amount must be a positive integer of minor units', 'amount');
  }
  if (amount > left || amount === 0) throw new AmountExceedsRefundable(amount, left);
  if (!rules.multiple && state.refunds.some((r) => r.status !== 'FAILED')) {
    throw new RefundNotSupported(`${charge.paymentMethod} takes one refund per charge`);
  }
  if (!rules.partial && amount !== charge.capturedAmount) {
    throw new RefundNotSupported(`${charge.paymentMethod} refunds only the whole captured amount`);
  }
  return [
    {
      type: 'RefundRequested',
      data: {
        at: now.toISOString(),
        refundId: command.refundId,
        chargeId: charge.chargeId,
        merchantId: charge.merchantId,
        paymentMethod: charge.paymentMethod,
        amount: { value: amount, currency: charge.currency },
        reason: command.reason,
        merchantRefundReference: command.merchantRefundReference,
        simulationCode: command.simulationCode,
      },
    },
  ];
}

/**
 * A chargeback the (sandbox) provider raises: refused as the provider would refuse it when more than is left of the
 * charge is disputed (a fully refunded charge has nothing left to charge back).
 */
function decideChargeback(command: OpenChargeback, state: ChargeRefundsState, now: Date): RefundEvent[] {
  if (state.chargebacks.some((c) => c.id === command.chargebackId)) return [];
  const { charge } = command;
  if (command.merchant.mode !== 'SANDBOX') throw new SandboxOnly('chargebacks are simulated only in sandbox');
  if (!PAYMENT_METHOD_CAPABILITIES[charge.paymentMethod].chargebacks) {
    throw new RefundNotSupported(`${charge.paymentMethod} has no chargebacks`);
  }
  if (charge.capturedAmount === 0) throw new ChargeNotCaptured();
  if (!Number.isSafeInteger(command.amount) || command.amount < 1) {
    throw new RefundRequestRejected('invalid_amount', 'amount must be a positive integer of minor units', 'amount');
  }
  const left = refundableAmount(state, charge);
  if (command.amount > left) throw new AmountExceedsRefundable(command.amount, left);
  return [
    {
      type: 'ChargebackOpened',
      data: {
        at: now.toISOString(),
        chargebackId: command.chargebackId,
        chargeId: charge.chargeId,
        merchantId: charge.merchantId,
        amount: { value: command.amount, currency: charge.currency },
        reason: command.reason,
      },
    },
  ];
}

export const chargeRefundsDecider: Decider<RefundCommand, RefundEvent, ChargeRefundsState> = {
  initialState,
  evolve,
  decide,
  schemaVersions: REFUND_EVENT_SCHEMA_VERSIONS,
  upcast: upcastRefundEvent,
};
