import type {
  ChargebackOutcome,
  ChargeFailure,
  MerchantContext,
  PaymentMethodType,
  RefundSimulationCode,
} from '@payment-ledger/contracts';

/**
 * What the refund rule needs to know of the charge, read from its `charge` stream (the shared public record) when
 * the command is decided: a stale read can only under-state what was captured, never over-state it, since a
 * capture confirmed stays confirmed.
 */
export interface RefundableCharge {
  chargeId: string;
  merchantId: string;
  paymentMethod: PaymentMethodType;
  currency: string;
  /** The captures the provider confirmed (CAPTURED), in minor units. */
  capturedAmount: number;
  /** When the last confirmed capture happened; null with nothing captured. */
  lastCapturedAt: string | null;
}

/** A provider's answer to a refund (the provider port's ProviderRefundOutcome, as the decider sees it). */
export type RefundOutcome =
  | { status: 'SUCCEEDED'; providerReference: string }
  | { status: 'PENDING'; providerReference: string; checkAfter: string }
  | { status: 'DECLINED'; failure: ChargeFailure; providerReference?: string };

export interface RequestRefund {
  type: 'RequestRefund';
  refundId: string;
  merchant: Pick<MerchantContext, 'id' | 'mode'>;
  charge: RefundableCharge;
  /** Minor units; null = everything still refundable. */
  amount: number | null;
  reason: string | null;
  merchantRefundReference: string | null;
  simulationCode: RefundSimulationCode | null;
}

export interface OpenChargeback {
  type: 'OpenChargeback';
  chargebackId: string;
  merchant: Pick<MerchantContext, 'id' | 'mode'>;
  charge: RefundableCharge;
  amount: number;
  reason: string;
}

export type RefundCommand =
  | RequestRefund
  | { type: 'RecordRefundOutcome'; refundId: string; outcome: RefundOutcome }
  | OpenChargeback
  | {
      type: 'ResolveChargeback';
      chargebackId: string;
      merchant: Pick<MerchantContext, 'id' | 'mode'>;
      outcome: ChargebackOutcome;
    };
