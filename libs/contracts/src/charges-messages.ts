/**
 * Request/response messages of the charges service's TCP transport (`@nestjs/microservices`, through the RPC kit
 * @payment-ledger/rpc), used by the gateway, the agreements service and the sandbox's hosted page. Every message of
 * a merchant pattern names its merchant (`merchantId`, or `merchant` on creates); `system.` patterns name none.
 * Errors come back as `RemoteError`.
 */
import type {
  CaptureMethod,
  ChargeOperation,
  ChargeStatus,
  PaymentChargeResource,
  SimulationCode,
  VoidReason,
} from './payment-charge';
import type { PaymentMethodType } from './payment-method-capabilities';

export const CHARGES_PATTERNS = {
  create: 'charges.create',
  createMany: 'charges.create.many',
  createMerchantInitiated: 'charges.create-merchant-initiated',
  createMerchantInitiatedMany: 'charges.create-merchant-initiated.many',
  get: 'charges.get',
  list: 'charges.list',
  capture: 'charges.capture',
  getCapture: 'charges.captures.get',
  listCaptures: 'charges.captures.list',
  void: 'charges.void',
  getVoid: 'charges.voids.get',
  listVoids: 'charges.voids.list',
  /** The sandbox page, for the consumer holding the signed link: a system pattern (no merchant). */
  checkout: 'system.charges.checkout.get',
  completeCheckout: 'system.charges.checkout.complete',
  /**
   * The provider notified (an IPN, through the webhooks service) that one of its charges (our authorization)
   * changed: the charges service asks the provider for it and records its outcome. Scoped by the merchant the
   * notification names.
   */
  recordProviderNotification: 'charges.provider-notifications.record',
} as const;

/** Who is asking, passed with every merchant command (the gateway authenticated them). */
export interface MerchantContext {
  id: string;
  name: string;
  mode: 'SANDBOX' | 'LIVE';
}

export interface RequestContext {
  correlationId: string;
  /** The event whose handling sent this command, when one did (the RPC client adds it from its log context). */
  causationId?: string;
  idempotencyKey?: string;
}

/** The longest a list may be asked to wait for its read model (ListReadYourWrites): services cap the ask at it. */
export const MAX_LIST_CONSISTENCY_WAIT_MS = 5_000;

/**
 * What a list of a read model (charges, agreements) may ask for: read-your-writes. The service waits up to
 * `consistencyWaitMs` (capped at MAX_LIST_CONSISTENCY_WAIT_MS) for the list's read model to include every write
 * committed before the request, then answers with what the model has (never an error). Absent or 0: at once, from
 * the model as its projection left it (about a poll, PROJECTION_POLL_MS, behind).
 */
export interface ListReadYourWrites {
  consistencyWaitMs?: number;
}

/** The wait a list message asks for, as a service grants it: 0 to MAX_LIST_CONSISTENCY_WAIT_MS ms. */
export function listConsistencyWaitMs(message: ListReadYourWrites): number {
  const asked = message.consistencyWaitMs;
  if (typeof asked !== 'number' || !Number.isFinite(asked) || asked <= 0) return 0;
  return Math.min(asked, MAX_LIST_CONSISTENCY_WAIT_MS);
}

export interface CreateChargeMessage extends RequestContext {
  merchant: MerchantContext;
  chargeId: string;
  paymentMethod: PaymentMethodType;
  amount: { value: number; currency: string };
  consumer: { name: string; country: string };
  returnUrl: string;
  captureMethod: CaptureMethod;
  webhooksUrl: string | null;
  merchantPaymentChargeReference: string | null;
  simulationCode: SimulationCode | null;
}

/** A charge under an active payment agreement, made without the consumer (by the merchant or its schedule). */
export interface CreateMerchantInitiatedChargeMessage extends RequestContext {
  merchant: MerchantContext;
  chargeId: string;
  agreementId: string;
  instrumentId: string;
  paymentMethod: PaymentMethodType;
  amount: { value: number; currency: string };
  consumer: { name: string; country: string };
  webhooksUrl: string | null;
  merchantPaymentChargeReference: string | null;
  simulationCode: SimulationCode | null;
}

export interface GetChargeMessage extends RequestContext {
  merchantId: string;
  chargeId: string;
}

export interface ListChargesMessage extends RequestContext, ListReadYourWrites {
  merchantId: string;
  status?: ChargeStatus;
  merchantPaymentChargeReference?: string;
  agreementId?: string;
  limit: number;
  /** Id of the last charge of the previous page (charges are listed newest first). */
  startingAfter?: string;
}

export interface ChargeList {
  data: PaymentChargeResource[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface CaptureChargeMessage extends RequestContext {
  merchantId: string;
  chargeId: string;
  captureId: string;
  /** Minor units; omitted = everything still open. */
  amount?: number;
}

export interface VoidChargeMessage extends RequestContext {
  merchantId: string;
  chargeId: string;
  voidId: string;
}

/** One capture or void of a charge (`charges.captures.get`, `charges.voids.get`). */
export interface GetOperationMessage extends RequestContext {
  merchantId: string;
  chargeId: string;
  operationId: string;
}

/**
 * A page of a charge's captures or voids (`charges.captures.list`, `charges.voids.list`), in the order they were
 * asked for. They are read from the charge's own stream, so a list always has the merchant's last write.
 */
export interface ListChargeOperationsMessage extends RequestContext {
  merchantId: string;
  chargeId: string;
  limit: number;
  /** Id of the last capture (void) of the previous page: this page starts after it. */
  startingAfter?: string;
}

export type CaptureResource = ChargeOperation<'PROCESSING' | 'CAPTURED' | 'FAILED'> & {
  paymentChargeId: string;
  currency: string;
};
export type VoidResource = ChargeOperation<'PROCESSING' | 'VOIDED' | 'FAILED'> & {
  paymentChargeId: string;
  currency: string;
  reason: VoidReason;
};

export interface CaptureList {
  data: CaptureResource[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface VoidList {
  data: VoidResource[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** What the hosted page shows; only for a holder of the signed link. */
export interface CheckoutMessage extends RequestContext {
  chargeId: string;
  token: string;
}

export interface CheckoutView {
  chargeId: string;
  status: ChargeStatus;
  merchantName: string;
  amount: { value: number; currency: string };
  returnUrl: string;
  expiresAt: string;
}

export interface CompleteCheckoutMessage extends CheckoutMessage {
  decision: 'APPROVE' | 'CANCEL';
}

/** The error a remote call answers with; the gateway turns it into the HTTP error shape. */
/**
 * What kind of refusal a service answered: a domain error's kind (`not_found`, `conflict`, `invalid`, see
 * @payment-ledger/domain-kernel), `unavailable` when the service could not answer, `internal` for anything else.
 * Transports carry no HTTP status: the gateway maps kinds to statuses at its edge.
 */
export type RemoteErrorKind = 'not_found' | 'conflict' | 'invalid' | 'unavailable' | 'internal';

export interface RemoteError {
  kind: RemoteErrorKind;
  failureCode: string;
  failureMessage: string;
  field?: string;
  currentStatus?: string;
  /** With `amount_exceeds_refundable`: how much of the charge is still refundable, in minor units. */
  refundableAmount?: number;
}

/**
 * Several calls of one pattern sent as one message (`<pattern>.many`) by a client that coalesces concurrent calls;
 * the answer holds each call's own outcome, in order, exactly as the single pattern would have answered it.
 */
export interface ManyCallsMessage<Message> {
  messages: Message[];
}

export type ManyCallsAnswer<Result> = ({ ok: true; value: Result } | { ok: false; error: RemoteError })[];

/** A provider notification about a charge (our authorization): what the charges service acts on. */
export interface RecordChargeNotificationMessage extends RequestContext {
  /** The merchant the notification names: the authorization must be of one of its charges (404 otherwise). */
  merchantId: string;
  objectType: 'CHARGE';
  /** The provider's id of the charge (our authorization's providerReference). */
  objectId: string;
}
