import { Command, Option } from 'commander';
import { type Reconciliation, reconcile } from '../../application/reconciliation';
import {
  ledgerMoneyMovements,
  type MoneyMovement,
  type MoneyMovementKind,
  type MovementScope,
  providerMoneyMovements,
} from '../../infrastructure/ledger-reports';
import { instant } from '../arguments';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { openCliDatabase } from '../cli-database';
import { type CommandContext, progressBar, say } from '../command-context';
import { badUsage, problemFound } from '../exit-codes';
import { textTable } from '../text-table';

const RECONCILE_FORMATS = ['table', 'json'] as const;

interface ReconcileOptions {
  from: Date;
  to: Date;
  format: (typeof RECONCILE_FORMATS)[number];
}

/**
 * `reconcile`: the ledger's captures, refunds and chargebacks against the Amazon Pay sandbox's own records, matched by
 * our ids, every difference listed (application/reconciliation.ts); any difference exits 1.
 */
export function reconcileCommand(context: CommandContext): Command {
  return new Command('reconcile')
    .description("compare the ledger's captures, refunds and chargebacks with the provider's records; list differences")
    .requiredOption(
      '--from <time>',
      'the window: objects either side dated at or after this instant (ISO 8601)',
      instant,
    )
    .requiredOption('--to <time>', 'the window: ... and before this instant (ISO 8601, exclusive)', instant)
    .addOption(new Option('--format <format>', 'output format').choices(RECONCILE_FORMATS).default('table'))
    .addHelpText(
      'after',
      `
Compared: captures (the ledger's capture entries; the provider's capture operations), refunds that succeeded on
either side (a refund the provider Refunded, or one the ledger posted as succeeded), and chargebacks with their
outcome (OPEN, WON, LOST). An object is in the window when either side dated it there (the ledger: when its entry
was posted; the provider: when it created its record); it is then compared with the other side's record of it
whenever that was dated, so nothing is reported missing only for falling either side of a boundary.
Differences: missing_in_ledger, missing_at_provider, amount_differs, currency_differs, status_differs,
charge_differs, duplicated_in_ledger, duplicated_at_provider. Exit 1 when there is any; 0 when none.

Examples:
  $ npm run cli -- reconcile --from 2026-03-01 --to 2026-03-02
  $ npm run cli -- reconcile --from 2026-03-01T00:00:00Z --to 2026-04-01T00:00:00Z --format json | jq '.differences'`,
    )
    .action(async (options: ReconcileOptions) => runReconcile(context, options));
}

async function runReconcile(context: CommandContext, options: ReconcileOptions): Promise<void> {
  if (options.from.getTime() >= options.to.getTime()) throw badUsage('--from must be before --to');
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const database = await openCliDatabase(config.DATABASE_URL);
  try {
    const progress = progressBar(context, { label: 'reconcile', unit: 'reads', total: 4 });
    const scope: MovementScope = {
      from: options.from,
      to: options.to,
      ids: { capture: [], refund: [], chargeback: [] },
    };
    const ledger = await ledgerMoneyMovements(database.dataSource, scope);
    progress.update(1);
    const provider = await providerMoneyMovements(database.dataSource, scope);
    progress.update(2);
    // What one side dated in the window and the other did not: read by id from the other side, whenever dated.
    const ledgerLate = await ledgerMoneyMovements(database.dataSource, byIds(missingFrom(ledger, provider)));
    progress.update(3);
    const providerLate = await providerMoneyMovements(database.dataSource, byIds(missingFrom(provider, ledger)));
    progress.update(4);
    progress.finish();
    const result = reconcile([...ledger, ...ledgerLate], [...provider, ...providerLate]);
    context.io.stdout.write(
      options.format === 'json'
        ? `${JSON.stringify({ from: options.from.toISOString(), to: options.to.toISOString(), ...result }, null, 2)}\n`
        : renderTable(result),
    );
    const { capture, refund, chargeback } = result.compared;
    const summary =
      `reconciled ${options.from.toISOString()} – ${options.to.toISOString()}: ${capture} captures, ${refund} ` +
      `refunds, ${chargeback} chargebacks; ${result.differences.length} differences`;
    if (result.differences.length > 0) throw problemFound(summary);
    say(context, summary);
  } finally {
    await database.close();
  }
}

/** The ids of `theirs` that `ours` lacks, per kind. */
function missingFrom(ours: MoneyMovement[], theirs: MoneyMovement[]): Record<MoneyMovementKind, string[]> {
  const has = new Set(ours.map((m) => `${m.kind} ${m.id}`));
  const ids: Record<MoneyMovementKind, string[]> = { capture: [], refund: [], chargeback: [] };
  for (const m of theirs) if (!has.has(`${m.kind} ${m.id}`)) ids[m.kind].push(m.id);
  return ids;
}

/** A scope of these ids only (an empty window). */
const byIds = (ids: Record<MoneyMovementKind, string[]>): MovementScope => ({
  from: new Date(0),
  to: new Date(0),
  ids,
});

function renderTable(result: Reconciliation): string {
  if (result.differences.length === 0) return 'No differences.\n';
  const side = (s: { amount: number; currency: string; status: string } | null) =>
    s ? `${s.amount} ${s.currency} ${s.status}` : '-';
  return textTable(
    ['kind', 'id', 'charge', 'problem', 'ledger', 'provider'],
    result.differences.map((d) => [d.kind, d.id, d.chargeId, d.problem, side(d.ledger), side(d.provider)]),
  );
}
