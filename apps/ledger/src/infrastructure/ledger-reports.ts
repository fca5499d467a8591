/**
 * The ledger's reads for finance and the analysts' CLI (and the balances the API answers with): trial balances at an
 * instant, a merchant's statement for a period, the money movements that reconcile against the provider's records,
 * and the figures of the HTML report. All of the ledger's SQL beyond the projection's writes is here.
 *
 * Each function takes what runs a statement (TypeORM's DataSource or EntityManager), so the service (LedgerQueries)
 * and the CLI share one query per question. Sums are bigint in PostgreSQL, read as text and turned into numbers of
 * minor units here.
 */
import type { EntityManager } from 'typeorm';
import type { AccountBalance } from '@payment-ledger/ledger';

/** Runs one statement with positional parameters and returns its rows: a DataSource or an EntityManager. */
export type SqlRunner = Pick<EntityManager, 'query'>;

/** The `provider:{method}:clearing` accounts, as a LIKE pattern. */
const CLEARING = 'provider:%:clearing';

export interface BalancesFilter {
  /** Only this merchant's lines (its share of the shared accounts included); absent: every merchant's. */
  merchantId?: string;
  /** Only lines posted at or before this instant; absent: all. */
  asOf?: Date;
}

type SumRow = { account: string; currency: string; debits: string; credits: string };

const balanceOf = (r: SumRow): AccountBalance => {
  const debits = Number(r.debits);
  const credits = Number(r.credits);
  return { account: r.account, currency: r.currency, debits, credits, balance: debits - credits };
};

/**
 * The trial balance: each (account, currency)'s debits, credits and balance (debits − credits), sorted by account
 * then currency. With a merchant, one indexed range of `ledger_lines_merchant_time`.
 */
export async function ledgerBalances(sql: SqlRunner, filter: BalancesFilter = {}): Promise<AccountBalance[]> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  if (filter.merchantId !== undefined) {
    values.push(filter.merchantId);
    conditions.push(`merchant_id = $${values.length}`);
  }
  if (filter.asOf) {
    values.push(filter.asOf);
    conditions.push(`posted_at <= $${values.length}`);
  }
  const rows: SumRow[] = await sql.query(
    `SELECT account, currency, sum(debit)::text AS debits, sum(credit)::text AS credits
       FROM ledger_lines
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
      GROUP BY account, currency
      ORDER BY account, currency`,
    values,
  );
  return rows.map(balanceOf);
}

/** One line of an entry posted in a statement's period, with its entry's facts. */
export interface StatementMovement {
  account: string;
  currency: string;
  postedAt: Date;
  entryId: string;
  kind: string;
  chargeId: string;
  eventId: string;
  debit: number;
  credit: number;
}

/**
 * A merchant's statement for [from, to): the balances of its accounts before `from` (the opening) and every line it
 * posted in the period, by account, currency, then in log order.
 */
export async function merchantStatement(
  sql: SqlRunner,
  merchantId: string,
  from: Date,
  to: Date,
): Promise<{ opening: AccountBalance[]; movements: StatementMovement[] }> {
  const opening: SumRow[] = await sql.query(
    `SELECT account, currency, sum(debit)::text AS debits, sum(credit)::text AS credits
       FROM ledger_lines
      WHERE merchant_id = $1 AND posted_at < $2
      GROUP BY account, currency
      ORDER BY account, currency`,
    [merchantId, from],
  );
  const rows: {
    account: string;
    currency: string;
    posted_at: Date;
    entry_id: string;
    kind: string;
    charge_id: string;
    event_id: string;
    debit: string;
    credit: string;
  }[] = await sql.query(
    `SELECT l.account, l.currency, l.posted_at, l.entry_id, e.kind, e.charge_id, e.event_id,
            l.debit::text, l.credit::text
       FROM ledger_lines l JOIN ledger_entries e ON e.entry_id = l.entry_id
      WHERE l.merchant_id = $1 AND l.posted_at >= $2 AND l.posted_at < $3
      ORDER BY l.account, l.currency, l.posted_at, e.event_position, l.line_no`,
    [merchantId, from, to],
  );
  return {
    opening: opening.map(balanceOf),
    movements: rows.map((r) => ({
      account: r.account,
      currency: r.currency,
      postedAt: r.posted_at,
      entryId: r.entry_id,
      kind: r.kind,
      chargeId: r.charge_id,
      eventId: r.event_id,
      debit: Number(r.debit),
      credit: Number(r.credit),
    })),
  };
}

/** What reconciliation compares: a capture, a refund or a chargeback, as one side recorded it. */
export type MoneyMovementKind = 'capture' | 'refund' | 'chargeback';

export interface MoneyMovement {
  kind: MoneyMovementKind;
  /** Our id of it (`capture_…`, `refund_…`, `chargeback_…`), which the provider keeps too. */
  id: string;
  chargeId: string;
  amount: number;
  currency: string;
  /** CAPTURED; SUCCEEDED, FAILED, PENDING (refunds); OPEN, WON, LOST (chargebacks). */
  status: string;
  /** When this side recorded it (the ledger: posted; the provider: created). */
  at: Date;
}

/** Which movements to read: those dated in [from, to), and these ids whenever they are dated. */
export interface MovementScope {
  from: Date;
  to: Date;
  ids: Record<MoneyMovementKind, string[]>;
}

type MovementRow = { id: string; charge_id: string; amount: string; currency: string; status: string; at: Date };

const movementsOf = (kind: MoneyMovementKind, rows: MovementRow[]): MoneyMovement[] =>
  rows.map((r) => ({
    kind,
    id: r.id,
    chargeId: r.charge_id,
    amount: Number(r.amount),
    currency: r.currency,
    status: r.status,
    at: r.at,
  }));

/**
 * The ledger's captures, refunds and chargebacks in scope. The ids are in the events that posted the entries; the
 * amounts are the lines' (a capture's debit to the provider's clearing account, a succeeded refund's credit to it, a
 * chargeback's credit to `disputed`), so a changed line shows. Refunds in scope are those that succeeded in the
 * window (or named); chargebacks those opened in it (or named), with their outcome whenever it came.
 */
export async function ledgerMoneyMovements(sql: SqlRunner, scope: MovementScope): Promise<MoneyMovement[]> {
  const captures: MovementRow[] = await sql.query(
    `SELECT ev.data->>'captureId' AS id, e.charge_id, e.currency, 'CAPTURED' AS status, e.posted_at AS at,
            (SELECT coalesce(sum(l.debit), 0) FROM ledger_lines l
              WHERE l.entry_id = e.entry_id AND l.account LIKE '${CLEARING}')::text AS amount
       FROM ledger_entries e JOIN events ev ON ev.event_id = e.event_id
      WHERE e.kind = 'capture'
        AND ((e.posted_at >= $1 AND e.posted_at < $2) OR ev.data->>'captureId' = ANY($3::text[]))`,
    [scope.from, scope.to, scope.ids.capture],
  );
  const refunds: MovementRow[] = await sql.query(
    `WITH entries AS (
       SELECT ev.data->>'refundId' AS id, e.entry_id, e.kind, e.charge_id, e.currency, e.posted_at
         FROM ledger_entries e JOIN events ev ON ev.event_id = e.event_id
        WHERE e.kind IN ('refund_requested', 'refund_succeeded', 'refund_failed')
     ), scoped AS (
       SELECT DISTINCT id FROM entries
        WHERE (kind = 'refund_succeeded' AND posted_at >= $1 AND posted_at < $2) OR id = ANY($3::text[])
     )
     SELECT e.id, min(e.charge_id) AS charge_id, min(e.currency) AS currency,
            CASE WHEN bool_or(e.kind = 'refund_succeeded') THEN 'SUCCEEDED'
                 WHEN bool_or(e.kind = 'refund_failed') THEN 'FAILED'
                 ELSE 'PENDING' END AS status,
            coalesce(max(e.posted_at) FILTER (WHERE e.kind = 'refund_succeeded'), min(e.posted_at)) AS at,
            coalesce(sum(l.credit) FILTER (WHERE e.kind = 'refund_succeeded' AND l.account LIKE '${CLEARING}'),
                     sum(l.credit) FILTER (WHERE e.kind = 'refund_requested' AND l.account LIKE 'merchant:%:refunds_pending'),
                     0)::text AS amount
       FROM entries e JOIN scoped USING (id) JOIN ledger_lines l ON l.entry_id = e.entry_id
      GROUP BY e.id`,
    [scope.from, scope.to, scope.ids.refund],
  );
  const chargebacks: MovementRow[] = await sql.query(
    `WITH entries AS (
       SELECT ev.data->>'chargebackId' AS id, e.entry_id, e.kind, e.charge_id, e.currency, e.posted_at
         FROM ledger_entries e JOIN events ev ON ev.event_id = e.event_id
        WHERE e.kind IN ('chargeback_opened', 'chargeback_won', 'chargeback_lost')
     ), scoped AS (
       SELECT DISTINCT id FROM entries
        WHERE (kind = 'chargeback_opened' AND posted_at >= $1 AND posted_at < $2) OR id = ANY($3::text[])
     )
     SELECT e.id, min(e.charge_id) AS charge_id, min(e.currency) AS currency,
            CASE WHEN bool_or(e.kind = 'chargeback_lost') THEN 'LOST'
                 WHEN bool_or(e.kind = 'chargeback_won') THEN 'WON'
                 ELSE 'OPEN' END AS status,
            min(e.posted_at) AS at,
            coalesce(sum(l.credit) FILTER (WHERE e.kind = 'chargeback_opened' AND l.account LIKE 'merchant:%:disputed'),
                     0)::text AS amount
       FROM entries e JOIN scoped USING (id) JOIN ledger_lines l ON l.entry_id = e.entry_id
      GROUP BY e.id`,
    [scope.from, scope.to, scope.ids.chargeback],
  );
  return [
    ...movementsOf('capture', captures),
    ...movementsOf('refund', refunds),
    ...movementsOf('chargeback', chargebacks),
  ];
}

/**
 * The Amazon Pay sandbox's own records in scope (libs/payment-methods migrations 0700–0704): its captures (operations
 * of type `capture`, `operation_id` our capture id), refunds (`refund_id`; Refunded, Declined, RefundInitiated read
 * as SUCCEEDED, FAILED, PENDING) and chargebacks (`chargeback_id`). Refunds in scope are those Refunded in the window
 * (or named). A record kept twice under one id comes back twice (reconciliation names it).
 */
export async function providerMoneyMovements(sql: SqlRunner, scope: MovementScope): Promise<MoneyMovement[]> {
  const captures: MovementRow[] = await sql.query(
    `SELECT operation_id AS id, charge_id, amount::text, currency, upper(state) AS status, created_at AS at
       FROM amazon_pay_sandbox_operations
      WHERE type = 'capture' AND ((created_at >= $1 AND created_at < $2) OR operation_id = ANY($3::text[]))`,
    [scope.from, scope.to, scope.ids.capture],
  );
  const refunds: MovementRow[] = await sql.query(
    `SELECT refund_id AS id, charge_id, amount::text, currency,
            CASE state WHEN 'Refunded' THEN 'SUCCEEDED' WHEN 'Declined' THEN 'FAILED' ELSE 'PENDING' END AS status,
            created_at AS at
       FROM amazon_pay_sandbox_refunds
      WHERE (state = 'Refunded' AND created_at >= $1 AND created_at < $2) OR refund_id = ANY($3::text[])`,
    [scope.from, scope.to, scope.ids.refund],
  );
  const chargebacks: MovementRow[] = await sql.query(
    `SELECT chargeback_id AS id, charge_id, amount::text, currency, state AS status, created_at AS at
       FROM amazon_pay_sandbox_chargebacks
      WHERE (created_at >= $1 AND created_at < $2) OR chargeback_id = ANY($3::text[])`,
    [scope.from, scope.to, scope.ids.chargeback],
  );
  return [
    ...movementsOf('capture', captures),
    ...movementsOf('refund', refunds),
    ...movementsOf('chargeback', chargebacks),
  ];
}

/** A day's volumes (UTC): counts, and amounts per currency where money moved. */
export interface DailyVolume {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  metric: 'created' | 'captured' | 'refunded' | 'failed';
  currency: string;
  count: number;
  /** Minor units: charges' amounts (created), what was captured or refunded; failed charges' amounts. */
  amount: number;
}

/**
 * Volumes per UTC day in [from, to): charges created and failed (their authentication failed or their authorization
 * was declined) from the event log, captured and refunded from the ledger (its capture and refund_succeeded entries,
 * the amounts their lines moved through the provider's clearing account).
 */
export async function dailyVolumes(sql: SqlRunner, from: Date, to: Date): Promise<DailyVolume[]> {
  const fromLog: (Omit<DailyVolume, 'count' | 'amount'> & { count: string; amount: string })[] = await sql.query(
    // A charge's first event is its ChargeCreated: the amount and currency of a failed one are read there.
    `SELECT to_char(ev.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            CASE ev.event_type WHEN 'ChargeCreated' THEN 'created' ELSE 'failed' END AS metric,
            created.data->'amount'->>'currency' AS currency, count(DISTINCT ev.stream_id)::text AS count,
            coalesce(sum((created.data->'amount'->>'value')::bigint), 0)::text AS amount
       FROM events ev JOIN events created ON created.stream_id = ev.stream_id AND created.stream_version = 1
      WHERE ev.stream_type = 'charge'
        AND ev.event_type IN ('ChargeCreated', 'ChargeAuthenticationFailed', 'ChargeAuthorizationDeclined')
        AND ev.recorded_at >= $1 AND ev.recorded_at < $2
      GROUP BY 1, 2, 3`,
    [from, to],
  );
  const fromLedger: typeof fromLog = await sql.query(
    `SELECT to_char(e.posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
            CASE e.kind WHEN 'capture' THEN 'captured' ELSE 'refunded' END AS metric, e.currency,
            count(DISTINCT e.entry_id)::text AS count,
            coalesce(sum(l.debit + l.credit) FILTER (WHERE l.account LIKE '${CLEARING}'), 0)::text AS amount
       FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.entry_id
      WHERE e.kind IN ('capture', 'refund_succeeded') AND e.posted_at >= $1 AND e.posted_at < $2
      GROUP BY 1, 2, 3`,
    [from, to],
  );
  return [...fromLog, ...fromLedger]
    .map((r) => ({ ...r, count: Number(r.count), amount: Number(r.amount) }))
    .sort(
      (a, b) => a.day.localeCompare(b.day) || a.metric.localeCompare(b.metric) || a.currency.localeCompare(b.currency),
    );
}

/** What the clearing and payable accounts (all providers', all merchants') held at an instant, per currency. */
export interface BalancePoint {
  /** The end of the UTC day (or `to`, for a window ending within a day). */
  at: Date;
  currency: string;
  /** What the providers hold for us: debits − credits of every `provider:…:clearing`. */
  clearing: number;
  /** What we owe merchants: credits − debits of every `merchant:…:payable`. */
  payable: number;
}

/** The clearing and payable totals per currency at the end of each UTC day of [from, to). */
export async function balancesOverTime(sql: SqlRunner, from: Date, to: Date): Promise<BalancePoint[]> {
  const rows: { day: string | null; currency: string; clearing: string; payable: string }[] = await sql.query(
    `SELECT CASE WHEN posted_at < $1 THEN NULL ELSE to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') END AS day,
            currency,
            coalesce(sum(debit - credit) FILTER (WHERE account LIKE '${CLEARING}'), 0)::text AS clearing,
            coalesce(sum(credit - debit) FILTER (WHERE account LIKE 'merchant:%:payable'), 0)::text AS payable
       FROM ledger_lines
      WHERE posted_at < $2 AND (account LIKE '${CLEARING}' OR account LIKE 'merchant:%:payable')
      GROUP BY 1, 2`,
    [from, to],
  );
  const currencies = [...new Set(rows.map((r) => r.currency))].sort();
  const running = new Map(currencies.map((c) => [c, { clearing: 0, payable: 0 }]));
  for (const r of rows.filter((row) => row.day === null)) {
    running.set(r.currency, { clearing: Number(r.clearing), payable: Number(r.payable) });
  }
  const points: BalancePoint[] = [];
  for (const day of utcDays(from, to)) {
    const end = new Date(Math.min(Date.parse(`${day}T00:00:00Z`) + 86_400_000, to.getTime()));
    for (const currency of currencies) {
      const moved = rows.find((r) => r.day === day && r.currency === currency);
      const total = running.get(currency)!;
      if (moved) {
        total.clearing += Number(moved.clearing);
        total.payable += Number(moved.payable);
      }
      points.push({ at: end, currency, ...total });
    }
  }
  return points;
}

/** The UTC days (`YYYY-MM-DD`) that [from, to) touches. */
export function utcDays(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let t = Date.parse(from.toISOString().slice(0, 10)); t < to.getTime(); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** A merchant's captured volume in one currency. */
export interface MerchantVolume {
  merchantId: string;
  /** Its name as its latest charge in the log gave it (null: no charge of it in the log). */
  merchantName: string | null;
  currency: string;
  captures: number;
  captured: number;
}

/** The merchants (and currencies) with the largest captured volume in [from, to), largest first. */
export async function largestMerchants(sql: SqlRunner, from: Date, to: Date, limit: number): Promise<MerchantVolume[]> {
  const rows: { merchant_id: string; currency: string; captures: string; captured: string }[] = await sql.query(
    `SELECT e.merchant_id, e.currency, count(DISTINCT e.entry_id)::text AS captures,
            coalesce(sum(l.debit), 0)::text AS captured
       FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.entry_id AND l.account LIKE '${CLEARING}'
      WHERE e.kind = 'capture' AND e.posted_at >= $1 AND e.posted_at < $2
      GROUP BY e.merchant_id, e.currency
      ORDER BY sum(l.debit) DESC, e.merchant_id, e.currency
      LIMIT $3`,
    [from, to, limit],
  );
  const ids = [...new Set(rows.map((r) => r.merchant_id))];
  const names: { merchant_id: string; name: string }[] =
    ids.length === 0
      ? []
      : await sql.query(
          `SELECT DISTINCT ON (data->'merchant'->>'id') data->'merchant'->>'id' AS merchant_id,
                  data->'merchant'->>'name' AS name
             FROM events
            WHERE stream_type = 'charge' AND event_type = 'ChargeCreated' AND data->'merchant'->>'id' = ANY($1::text[])
            ORDER BY data->'merchant'->>'id', global_position DESC`,
          [ids],
        );
  const nameOf = new Map(names.map((n) => [n.merchant_id, n.name]));
  return rows.map((r) => ({
    merchantId: r.merchant_id,
    merchantName: nameOf.get(r.merchant_id) ?? null,
    currency: r.currency,
    captures: Number(r.captures),
    captured: Number(r.captured),
  }));
}
