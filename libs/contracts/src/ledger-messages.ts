/**
 * The ledger as the API shows it (`GET /v1/balances`, `GET /v1/ledger-entries`), and the ledger service's
 * request/response messages (TCP, through the RPC kit), used by the gateway. The chart of accounts and the posting
 * rules are in libs/ledger and docs/ledger.md.
 */
import type { ListReadYourWrites, RequestContext } from './charges-messages';

export const LEDGER_PATTERNS = {
  /** The merchant's balance of each account and currency, at an instant or now. */
  balances: 'ledger.balances',
  /** The merchant's journal entries, newest first, filtered by charge, account and time. */
  entries: 'ledger.entries',
} as const;

/** One side of one account in an entry: exactly one of `debit` and `credit` is above zero (minor units). */
export interface LedgerLineResource {
  account: string;
  debit: number;
  credit: number;
}

export interface LedgerEntryResource {
  /** `le_…`: one entry per event that moved money; the id follows from that event's. */
  id: string;
  /** The event that posted it (`GET /v1/events/{id}` shows the merchant-facing ones). */
  eventId: string;
  eventType: string;
  kind: string;
  paymentChargeId: string;
  currency: string;
  /** Balanced: the debits add up to the credits. */
  lines: LedgerLineResource[];
  /** The entry this one reverses (a failed refund's request, a won chargeback's opening), or null. */
  reversesEntryId: string | null;
  /** When its event was recorded: what `asOf` compares with. */
  postedAt: string;
}

export interface LedgerEntryList {
  data: LedgerEntryResource[];
  hasMore: boolean;
  nextCursor: string | null;
}

/** An account's balance in one currency: debits − credits over the merchant's entries. */
export interface LedgerBalanceResource {
  account: string;
  currency: string;
  debits: number;
  credits: number;
  balance: number;
}

export interface LedgerBalances {
  /** The instant the balances are at (null: now, as far as the ledger has got). */
  asOf: string | null;
  balances: LedgerBalanceResource[];
}

export interface GetBalancesMessage extends RequestContext, ListReadYourWrites {
  merchantId: string;
  /** Entries posted at or before this instant (ISO 8601); absent: all. */
  asOf?: string;
}

export interface ListLedgerEntriesMessage extends RequestContext, ListReadYourWrites {
  merchantId: string;
  limit: number;
  /** The last entry id of the previous page (newest first): this page starts after it. */
  startingAfter?: string;
  chargeId?: string;
  account?: string;
  /** Posted at or after this instant (ISO 8601). */
  postedFrom?: string;
  /** Posted before this instant (ISO 8601). */
  postedTo?: string;
}
