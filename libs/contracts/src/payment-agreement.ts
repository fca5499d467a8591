/**
 * Vocabulary of the payment-agreements API (seed 001 "Recurring Payments") and the agreements service's TCP
 * messages. Plain types: no framework, no I/O.
 */
import type { ChargeFailure, RedirectAuthenticationMethod, SimulationCode } from './payment-charge';
import type { ListReadYourWrites, MerchantContext, RequestContext } from './charges-messages';
import type { PaymentMethodType } from './payment-method-capabilities';

export const AGREEMENT_STATUSES = [
  'INITIALIZING',
  'AUTHENTICATION_PENDING',
  'ACTIVE',
  'PAST_DUE',
  'REVOKED',
  'FAILED',
] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

export const FREQUENCY_TYPES = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
export type FrequencyType = (typeof FREQUENCY_TYPES)[number];
export interface Frequency {
  type: FrequencyType;
  interval: number;
}

/** EXACT: every charge is the agreed amount; MAX: at most it; VARIABLE: any amount the method allows. */
export const AMOUNT_TYPES = ['EXACT', 'MAX', 'VARIABLE'] as const;
export type AmountType = (typeof AMOUNT_TYPES)[number];

export type RevokedBy = 'MERCHANT' | 'CONSUMER' | 'PROVIDER';
export type AgreementChargeInitiator = 'INITIAL' | 'MERCHANT' | 'SCHEDULE';

export interface PaymentAgreementResource {
  id: string;
  status: AgreementStatus;
  paymentMethod: PaymentMethodType;
  startDate: string;
  endDate: string | null;
  description: string | null;
  frequency: Frequency | null;
  amount: { value: number; currency: string } | null;
  amountType: AmountType;
  instrumentId: string;
  consumer: { name: string; country: string };
  merchantPaymentAgreementReference: string | null;
  webhooksUrl: string | null;
  authenticationMethods: RedirectAuthenticationMethod[];
  history: { id: string; status: AgreementStatus; createdAt: string }[];
  initialPaymentChargeId: string | null;
  failure: ChargeFailure | null;
  revokedBy: RevokedBy | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Every pattern acts for the merchant its message names (`merchantId` / `merchant.id`, required: the RPC kit's
 * TenantGuard refuses a message without one), except the `system.` patterns: the scheduler charging an agreement for
 * a period and marking it past due, the sandbox page acting for the consumer who holds a signed link.
 */
export const AGREEMENTS_PATTERNS = {
  create: 'agreements.create',
  get: 'agreements.get',
  list: 'agreements.list',
  revoke: 'agreements.revoke',
  charge: 'agreements.charge',
  chargeForSchedule: 'system.agreements.charge-for-schedule',
  chargeForScheduleMany: 'system.agreements.charge-for-schedule.many',
  markPastDue: 'system.agreements.mark-past-due',
  checkout: 'system.agreements.checkout.get',
  completeCheckout: 'system.agreements.checkout.complete',
} as const;

export interface CreateAgreementMessage extends RequestContext {
  merchant: MerchantContext;
  agreementId: string;
  /** Pre-allocated id of the initial charge, when one is asked for. */
  initialPaymentChargeId: string | null;
  paymentMethod: PaymentMethodType;
  consumer: { name: string; country: string };
  startDate: string;
  endDate: string | null;
  description: string | null;
  frequency: Frequency | null;
  amount: { value: number; currency: string } | null;
  amountType: AmountType;
  initialPaymentCharge: { amount: { value: number; currency: string } } | null;
  returnUrl: string;
  merchantPaymentAgreementReference: string | null;
  webhooksUrl: string | null;
  simulationCode: SimulationCode | null;
}

export interface GetAgreementMessage extends RequestContext {
  merchantId: string;
  agreementId: string;
}

export interface ListAgreementsMessage extends RequestContext, ListReadYourWrites {
  merchantId: string;
  status?: AgreementStatus;
  merchantPaymentAgreementReference?: string;
  limit: number;
  startingAfter?: string;
}

export interface AgreementList {
  data: PaymentAgreementResource[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface RevokeAgreementMessage extends GetAgreementMessage {
  revokedBy: RevokedBy;
}

/** A merchant charges its active agreement without the consumer (`agreements.charge`). */
export interface ChargeAgreementMessage extends RequestContext {
  merchantId: string;
  agreementId: string;
  chargeId: string;
  amount: { value: number; currency: string } | null;
  initiator: 'MERCHANT' | 'SCHEDULE';
  merchantPaymentChargeReference: string | null;
  simulationCode: SimulationCode | null;
}

/**
 * The scheduler charges an agreement for a period (`system.agreements.charge-for-schedule`): it acts for whichever
 * merchant owns the agreement, so the message names none.
 */
export type ScheduledAgreementChargeMessage = Omit<ChargeAgreementMessage, 'merchantId'> & { initiator: 'SCHEDULE' };

export interface MarkAgreementPastDueMessage extends RequestContext {
  agreementId: string;
  chargeId: string;
  failure: ChargeFailure;
}

export interface AgreementCheckoutView {
  agreementId: string;
  status: AgreementStatus;
  merchantName: string;
  description: string | null;
  initialAmount: { value: number; currency: string } | null;
  returnUrl: string;
  expiresAt: string;
}

export interface AgreementCheckoutMessage extends RequestContext {
  agreementId: string;
  token: string;
}

export interface CompleteAgreementCheckoutMessage extends AgreementCheckoutMessage {
  decision: 'APPROVE' | 'CANCEL';
}

/** The scheduler's TCP messages: sandbox test clocks. */
export const SCHEDULER_PATTERNS = { advanceTestClock: 'scheduler.test-clock.advance' } as const;

export interface AdvanceTestClockMessage extends RequestContext {
  merchantId: string;
  agreementId: string;
  seconds: number;
}
