/**
 * Refunds and chargebacks as the API shows them (`/v1/payment-charges/{id}/refunds`, `/v1/refunds`), and the
 * sandbox's refund simulation codes. The refunds service owns them (one `refund:<chargeId>` stream per charge:
 * models/refund.model.ts); the charge shows them too (`refunds[]`, `chargebacks[]`).
 */
import type { ChargeFailure } from './payment-charge';

/**
 * A refund is asynchronous at the provider: REFUND_PENDING from the request until the provider settles it,
 * SUCCEEDED (the money went back to the consumer) or FAILED (nothing moved; its amount is refundable again).
 */
export const REFUND_STATUSES = ['REFUND_PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** A chargeback is OPEN while disputed; WON releases its amount, LOST keeps it taken. */
export const CHARGEBACK_STATUSES = ['OPEN', 'WON', 'LOST'] as const;
export type ChargebackStatus = (typeof CHARGEBACK_STATUSES)[number];
export type ChargebackOutcome = Exclude<ChargebackStatus, 'OPEN'>;

/**
 * Sandbox only, like the charges' codes: `RefundDeclined` makes the provider decline the refund (FAILED);
 * `RefundDelayed` makes it settle later (REFUND_PENDING until a timer asks the provider again, then SUCCEEDED).
 */
export const REFUND_SIMULATION_CODES = ['RefundDeclined', 'RefundDelayed'] as const;
export type RefundSimulationCode = (typeof REFUND_SIMULATION_CODES)[number];

/** Longest `reason` and `merchantRefundReference` (and a chargeback's `reason`) accepted. */
export const REFUND_TEXT_MAX_LENGTH = 255;

export interface RefundResource {
  id: string;
  paymentChargeId: string;
  /** Minor units of `currency`. */
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  merchantRefundReference: string | null;
  /** Why a FAILED refund failed; null otherwise. */
  failure: ChargeFailure | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChargebackResource {
  id: string;
  paymentChargeId: string;
  amount: number;
  currency: string;
  status: ChargebackStatus;
  reason: string;
  createdAt: string;
  updatedAt: string;
}

export interface RefundList {
  data: RefundResource[];
  hasMore: boolean;
  nextCursor: string | null;
}
