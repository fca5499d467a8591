import type { MoneyMovement, MoneyMovementKind } from '../infrastructure/ledger-reports';

/** How one capture, refund or chargeback differs between the ledger and the provider's records. */
export type DifferenceProblem =
  | 'missing_in_ledger'
  | 'missing_at_provider'
  | 'amount_differs'
  | 'currency_differs'
  | 'status_differs'
  | 'charge_differs'
  | 'duplicated_in_ledger'
  | 'duplicated_at_provider';

export interface ReconciliationDifference {
  kind: MoneyMovementKind;
  id: string;
  chargeId: string;
  problem: DifferenceProblem;
  /** What the ledger recorded (null: nothing). */
  ledger: Pick<MoneyMovement, 'amount' | 'currency' | 'status'> | null;
  /** What the provider recorded (null: nothing). */
  provider: Pick<MoneyMovement, 'amount' | 'currency' | 'status'> | null;
}

export interface Reconciliation {
  /** How many objects of each kind were compared (seen on either side). */
  compared: Record<MoneyMovementKind, number>;
  differences: ReconciliationDifference[];
}

const KINDS: MoneyMovementKind[] = ['capture', 'refund', 'chargeback'];

/**
 * Compares the ledger's captures, refunds and chargebacks with the provider's, matched by our id of each (which the
 * provider keeps): every object on one side only, and every field that differs on an object both have, is a
 * difference (one object can have several). Pure: the reads are ledger-reports.ts's.
 */
export function reconcile(ledger: MoneyMovement[], provider: MoneyMovement[]): Reconciliation {
  const compared = { capture: 0, refund: 0, chargeback: 0 };
  const differences: ReconciliationDifference[] = [];
  for (const kind of KINDS) {
    const ours = groupById(ledger.filter((m) => m.kind === kind));
    const theirs = groupById(provider.filter((m) => m.kind === kind));
    const ids = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
    compared[kind] = ids.length;
    for (const id of ids) {
      const l = ours.get(id) ?? [];
      const p = theirs.get(id) ?? [];
      const difference = (problem: DifferenceProblem) =>
        differences.push({
          kind,
          id,
          chargeId: (l[0] ?? p[0]).chargeId,
          problem,
          ledger: l[0] ? figures(l[0]) : null,
          provider: p[0] ? figures(p[0]) : null,
        });
      if (l.length > 1) difference('duplicated_in_ledger');
      if (p.length > 1) difference('duplicated_at_provider');
      if (l.length === 0) difference('missing_in_ledger');
      else if (p.length === 0) difference('missing_at_provider');
      else {
        if (l[0].chargeId !== p[0].chargeId) difference('charge_differs');
        if (l[0].currency !== p[0].currency) difference('currency_differs');
        if (l[0].amount !== p[0].amount) difference('amount_differs');
        if (l[0].status !== p[0].status) difference('status_differs');
      }
    }
  }
  return { compared, differences };
}

function groupById(movements: MoneyMovement[]): Map<string, MoneyMovement[]> {
  const byId = new Map<string, MoneyMovement[]>();
  for (const m of movements) {
    const same = byId.get(m.id) ?? [];
    same.push(m);
    byId.set(m.id, same);
  }
  return byId;
}

const figures = (m: MoneyMovement) => ({ amount: m.amount, currency: m.currency, status: m.status });
