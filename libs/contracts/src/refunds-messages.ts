/**
 * Request/response messages of the refunds service's TCP transport (through the RPC kit), used by the gateway.
 * Merchant patterns name their merchant (`merchantId`, or `merchant` where the mode matters); errors come back as
 * `RemoteError`.
 */
import type { ListReadYourWrites, MerchantContext, RequestContext } from './charges-messages';
import type { ChargebackOutcome, RefundSimulationCode, RefundStatus } from './payment-refund';

export const REFUNDS_PATTERNS = {
  create: 'refunds.create',
  /** Creates sent together by a coalescing client, each answered on its own. */
  createMany: 'refunds.create.many',
  /** One refund by its id (and, from `/v1/payment-charges/{id}/refunds/{refundId}`, its charge's id). */
  get: 'refunds.get',
  /** A charge's refunds, in the order they were asked for (from its refund stream: always the last write). */
  listOfCharge: 'refunds.list-of-charge',
  /** The merchant's refunds, newest first, filtered (from the refund list view, read-your-writes). */
  list: 'refunds.list',
  /** Sandbox only: the provider raises a chargeback on a captured charge, and later resolves it. */
  openChargeback: 'refunds.chargebacks.open',
  resolveChargeback: 'refunds.chargebacks.resolve',
  /**
   * The provider notified (an IPN, through the webhooks service) that one of its refunds or chargebacks changed: the
   * refunds service asks the provider for it and records its outcome. Scoped by the merchant the notification names.
   */
  recordProviderNotification: 'refunds.provider-notifications.record',
} as const;

export interface CreateRefundMessage extends RequestContext {
  merchant: MerchantContext;
  chargeId: string;
  /** `refund_…`, derived from the request's idempotency key: a retried request names the same refund. */
  refundId: string;
  /** Minor units; omitted = everything still refundable. */
  amount?: number;
  reason: string | null;
  merchantRefundReference: string | null;
  /** Sandbox only. */
  simulationCode: RefundSimulationCode | null;
}

export interface GetRefundMessage extends RequestContext {
  merchantId: string;
  refundId: string;
  /** When set, the refund must be this charge's (404 otherwise). */
  chargeId?: string;
}

export interface ListChargeRefundsMessage extends RequestContext {
  merchantId: string;
  chargeId: string;
  limit: number;
  startingAfter?: string;
}

export interface ListRefundsMessage extends RequestContext, ListReadYourWrites {
  merchantId: string;
  limit: number;
  /** The last refund id of the previous page (newest first): this page starts after it. */
  startingAfter?: string;
  status?: RefundStatus;
  chargeId?: string;
  /** Created at or after this instant (ISO 8601). */
  createdFrom?: string;
  /** Created before this instant (ISO 8601). */
  createdTo?: string;
}

export interface OpenChargebackMessage extends RequestContext {
  merchant: MerchantContext;
  chargeId: string;
  chargebackId: string;
  amount: number;
  reason: string;
}

export interface ResolveChargebackMessage extends RequestContext {
  merchant: MerchantContext;
  chargeId: string;
  chargebackId: string;
  outcome: ChargebackOutcome;
}

/**
 * A provider notification about a refund or a chargeback (ProviderNotificationMessage's object): what the refunds
 * service acts on.
 */
export interface RecordRefundNotificationMessage extends RequestContext {
  /** The merchant the notification names: the object must be of one of its charges (404 otherwise). */
  merchantId: string;
  objectType: 'REFUND' | 'CHARGEBACK';
  /** The provider's id of the refund or chargeback (its providerReference). */
  objectId: string;
}

/** What the refunds service recorded for a notification (event types; none when there was nothing new). */
export interface ProviderNotificationRecorded {
  events: string[];
}
