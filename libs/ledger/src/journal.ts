/**
 * Journal entries: what a money-moving event posts. Amounts are integer minor units of the entry's one currency;
 * every entry balances (its debits add up to its credits), and is never changed: a correction is a further entry
 * that reverses it (`reversesEventId`).
 */

/** One side of one account in an entry: exactly one of `debit` and `credit` is above zero. */
export interface JournalLine {
  account: string;
  debit: number;
  credit: number;
}

export type EntryKind =
  | 'authorization_hold'
  | 'capture'
  | 'void_release'
  | 'refund_requested'
  | 'refund_succeeded'
  | 'refund_failed'
  | 'chargeback_opened'
  | 'chargeback_won'
  | 'chargeback_lost';

export interface JournalEntry {
  kind: EntryKind;
  merchantId: string;
  chargeId: string;
  currency: string;
  lines: JournalLine[];
  /** The event whose entry this one reverses (a failed refund's request, a won chargeback's opening). */
  reversesEventId: string | null;
}

export const debit = (account: string, amount: number): JournalLine => ({ account, debit: amount, credit: 0 });
export const credit = (account: string, amount: number): JournalLine => ({ account, debit: 0, credit: amount });

/** Whether an entry's lines are well formed (non-negative safe integers, one side each) and balance. */
export function isBalanced(entry: Pick<JournalEntry, 'lines'>): boolean {
  let debits = 0;
  let credits = 0;
  for (const line of entry.lines) {
    const { debit: d, credit: c } = line;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0) return false;
    if (d > 0 === c > 0) return false;
    debits += d;
    credits += c;
  }
  return entry.lines.length >= 2 && debits === credits;
}

/** An account's balance in one currency: debits − credits, and both sums. */
export interface AccountBalance {
  account: string;
  currency: string;
  debits: number;
  credits: number;
  balance: number;
}

/**
 * The trial balance of a set of entries: each (account, currency)'s sums, sorted by account then currency. The
 * balances of each currency add up to 0 when every entry balances.
 */
export function trialBalance(entries: Iterable<Pick<JournalEntry, 'currency' | 'lines'>>): AccountBalance[] {
  const sums = new Map<string, AccountBalance>();
  for (const entry of entries) {
    for (const line of entry.lines) {
      const key = `${line.account}\u0000${entry.currency}`;
      const sum = sums.get(key) ?? {
        account: line.account,
        currency: entry.currency,
        debits: 0,
        credits: 0,
        balance: 0,
      };
      sum.debits += line.debit;
      sum.credits += line.credit;
      sum.balance = sum.debits - sum.credits;
      sums.set(key, sum);
    }
  }
  return [...sums.values()].sort((a, b) =>
    a.account === b.account ? a.currency.localeCompare(b.currency) : a.account.localeCompare(b.account),
  );
}
