/**
 * What each payment method allows, in one table (seed 001, "Payment methods" properties), so rules are looked up
 * here instead of being written as `if`s across the code.
 */
export type PaymentMethodType = 'AMAZON_PAY';

export interface PaymentMethodCapabilities {
  currencies: readonly string[];
  /** Inclusive bounds in minor units, per currency. */
  minAmount: Readonly<Record<string, number>>;
  maxAmount: Readonly<Record<string, number>>;
  recurring: boolean;
  manualCapture: boolean;
  /** How long an uncaptured authorization is held before it is voided automatically. */
  captureWindowDays: number;
  /**
   * Which refunds the method takes (a whole charge, a part, several), and for how long after the charge's last
   * capture, in calendar months (seed 001: "Refund validity | 6 months").
   */
  refunds: { full: boolean; partial: boolean; multiple: boolean; windowMonths: number };
  chargebacks: boolean;
  /** A consumer who leaves the redirect unfinished for this long fails the charge. */
  authenticationTimeoutMinutes: number;
  /**
   * Whether a live provider adapter exists for it. Until one does, live mode is closed (see `liveModeAvailable`):
   * a live merchant's payments must never reach the sandbox simulator and come back CAPTURED.
   */
  liveProvider: boolean;
}

export const PAYMENT_METHOD_CAPABILITIES: Readonly<Record<PaymentMethodType, PaymentMethodCapabilities>> =
  Object.freeze({
    AMAZON_PAY: {
      currencies: ['USD'],
      minAmount: { USD: 50 },
      maxAmount: { USD: 2_000_000 },
      recurring: true,
      manualCapture: true,
      captureWindowDays: 7,
      refunds: { full: true, partial: true, multiple: true, windowMonths: 6 },
      chargebacks: true,
      authenticationTimeoutMinutes: 10,
      liveProvider: false,
    },
  });

/** Whether any payment method can take live payments: without one, live merchants and live keys are refused. */
export function liveModeAvailable(): boolean {
  return Object.values(PAYMENT_METHOD_CAPABILITIES).some((capabilities) => capabilities.liveProvider);
}

export type AmountRuleViolation = 'currency_not_supported' | 'amount_too_small' | 'amount_too_large';

/** Checks an amount against a method's rules; returns the violated rule's code, or undefined when it is allowed. */
export function checkAmount(
  method: PaymentMethodType,
  amount: { value: number; currency: string },
): AmountRuleViolation | undefined {
  const capabilities = PAYMENT_METHOD_CAPABILITIES[method];
  if (!capabilities.currencies.includes(amount.currency)) return 'currency_not_supported';
  if (amount.value < capabilities.minAmount[amount.currency]) return 'amount_too_small';
  if (amount.value > capabilities.maxAmount[amount.currency]) return 'amount_too_large';
  return undefined;
}

/**
 * The last instant a charge of this method captured at `capturedAt` can be refunded: `windowMonths` calendar months
 * later in UTC (the same day of the month, or the month's last day when it has no such day: Aug 31 + 6 months is
 * Feb 28/29).
 */
export function refundWindowEndsAt(method: PaymentMethodType, capturedAt: string): Date {
  const from = new Date(capturedAt);
  const months = PAYMENT_METHOD_CAPABILITIES[method].refunds.windowMonths;
  const target = new Date(from.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(from.getUTCDate(), lastDay));
  return target;
}
