import { Command, Option } from 'commander';
import type { AccountBalance } from '@payment-ledger/ledger';
import { ledgerBalances } from '../../infrastructure/ledger-reports';
import { instant } from '../arguments';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { openCliDatabase } from '../cli-database';
import { type CommandContext, say } from '../command-context';
import { problemFound } from '../exit-codes';
import { csvField } from '../export-formats';
import { textTable } from '../text-table';

export const BALANCES_FORMATS = ['table', 'json', 'csv'] as const;
type BalancesFormat = (typeof BALANCES_FORMATS)[number];

interface BalancesOptions {
  asOf?: Date;
  merchant?: string;
  format: BalancesFormat;
}

/** A currency's sums over every account: debits equal credits (balance 0) when every entry balanced. */
export interface CurrencyTotal {
  currency: string;
  debits: number;
  credits: number;
  balance: number;
}

/** The per-currency totals of a trial balance, sorted by currency. */
export function currencyTotals(balances: readonly AccountBalance[]): CurrencyTotal[] {
  const totals = new Map<string, CurrencyTotal>();
  for (const b of balances) {
    const t = totals.get(b.currency) ?? { currency: b.currency, debits: 0, credits: 0, balance: 0 };
    t.debits += b.debits;
    t.credits += b.credits;
    t.balance = t.debits - t.credits;
    totals.set(b.currency, t);
  }
  return [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

/**
 * `balances`: the trial balance at an instant, from the ledger's lines (the query `GET /v1/balances` answers with,
 * ledger-reports.ts), with each currency's totals; a currency whose debits and credits differ is a problem found.
 */
export function balancesCommand(context: CommandContext): Command {
  return new Command('balances')
    .description('print the trial balance at an instant: each account and currency, and the totals per currency')
    .option('--as-of <time>', 'the instant (ISO 8601; default: now): entries posted at or before it', instant)
    .option('--merchant <id>', "only this merchant's lines (its share of the shared accounts included)")
    .addOption(new Option('--format <format>', 'output format').choices(BALANCES_FORMATS).default('table'))
    .addHelpText(
      'after',
      `
A balance is debits − credits, in integer minor units: asset accounts (consumer:held, provider:…:clearing) are
positive, liabilities (merchant:…:payable and the like) negative. Every journal entry balances, so each currency's
debits equal its credits; when they do not, the trial balance is still printed and the run exits 1 naming the
currency. JSON: { asOf, merchantId, balances, totals, balanced }. CSV: RFC 4180, the totals as rows with
account "TOTAL".

Examples:
  $ npm run cli -- balances
  $ npm run cli -- balances --as-of 2026-03-31T23:59:59.999Z --merchant mch_0193...
  $ npm run cli -- balances --as-of 2026-04-01 --format csv > trial-balance.csv`,
    )
    .action(async (options: BalancesOptions) => runBalances(context, options));
}

async function runBalances(context: CommandContext, options: BalancesOptions): Promise<void> {
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const database = await openCliDatabase(config.DATABASE_URL);
  try {
    const asOf = options.asOf ?? new Date();
    const balances = await ledgerBalances(database.dataSource, { merchantId: options.merchant, asOf });
    const totals = currencyTotals(balances);
    const unbalanced = totals.filter((t) => t.debits !== t.credits);
    context.io.stdout.write(
      render(options.format, { asOf, merchantId: options.merchant ?? null, balances, totals, unbalanced }),
    );
    const scope = options.merchant ? `merchant ${options.merchant}` : 'all merchants';
    if (unbalanced.length > 0) {
      throw problemFound(
        `the trial balance as of ${asOf.toISOString()} (${scope}) does not balance: ` +
          unbalanced.map((t) => `${t.currency} debits ${t.debits} ≠ credits ${t.credits} (by ${t.balance})`).join('; '),
      );
    }
    say(
      context,
      `trial balance as of ${asOf.toISOString()} (${scope}): ${balances.length} account balances in ` +
        `${totals.length} currencies, debits = credits in each`,
    );
  } finally {
    await database.close();
  }
}

interface TrialBalance {
  asOf: Date;
  merchantId: string | null;
  balances: AccountBalance[];
  totals: CurrencyTotal[];
  unbalanced: CurrencyTotal[];
}

function render(format: BalancesFormat, t: TrialBalance): string {
  if (format === 'json') {
    const { unbalanced, ...rest } = t;
    return `${JSON.stringify({ ...rest, asOf: t.asOf.toISOString(), balanced: unbalanced.length === 0 }, null, 2)}\n`;
  }
  const rows = [
    ...t.balances.map((b) => [b.account, b.currency, String(b.debits), String(b.credits), String(b.balance)]),
    ...t.totals.map((s) => ['TOTAL', s.currency, String(s.debits), String(s.credits), String(s.balance)]),
  ];
  if (format === 'csv') {
    return ['account,currency,debits,credits,balance', ...rows.map((r) => r.map(csvField).join(','))]
      .map((line) => `${line}\r\n`)
      .join('');
  }
  const accounts = t.balances.length;
  const table = textTable(
    ['account', 'currency', 'debits', 'credits', 'balance'],
    [...rows.slice(0, accounts), ...(t.totals.length > 0 ? [['', '', '', '', '']] : []), ...rows.slice(accounts)],
    new Set([2, 3, 4]),
  );
  return `Trial balance as of ${t.asOf.toISOString()}${t.merchantId ? `, merchant ${t.merchantId}` : ''}\n\n${table}`;
}
