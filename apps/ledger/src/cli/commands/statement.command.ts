import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import type { AccountBalance } from '@payment-ledger/ledger';
import { merchantStatement, type StatementMovement } from '../../infrastructure/ledger-reports';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { openCliDatabase } from '../cli-database';
import { type CommandContext, say } from '../command-context';
import { problemFound } from '../exit-codes';
import { csvField } from '../export-formats';
import { writeWithBackpressure } from '../output';

/** A calendar month in UTC: its first instant and the next month's. */
export interface UtcMonth {
  label: string;
  start: Date;
  end: Date;
}

/** `YYYY-MM`, for `--month`: the month in UTC. */
export function utcMonth(value: string): UtcMonth {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected a month as YYYY-MM, e.g. 2026-03');
  const [year, month] = [Number(match[1]), Number(match[2])];
  return { label: value, start: new Date(Date.UTC(year, month - 1, 1)), end: new Date(Date.UTC(year, month, 1)) };
}

interface StatementOptions {
  merchant: string;
  month: UtcMonth;
  out?: string;
}

export const STATEMENT_COLUMNS = [
  'account',
  'currency',
  'line',
  'posted_at',
  'entry_id',
  'kind',
  'charge_id',
  'event_id',
  'debit',
  'credit',
  'balance',
] as const;

/**
 * `statement`: a merchant's monthly statement as CSV, for finance: per account and currency, the opening balance, each
 * line the month posted with the running balance, and the closing balance (the month's totals beside it).
 */
export function statementCommand(context: CommandContext): Command {
  return new Command('statement')
    .description("write a merchant's monthly statement as CSV: opening balance, every entry, closing balance")
    .requiredOption('--merchant <id>', 'the merchant (mch_…)')
    .requiredOption('--month <YYYY-MM>', 'the calendar month, in UTC', utcMonth)
    .option('--out <file>', 'write to this file (default: stdout)')
    .addHelpText(
      'after',
      `
The month runs from its first instant to the next month's, in UTC (2026-03: 2026-03-01T00:00:00Z up to, not
including, 2026-04-01T00:00:00Z). CSV (RFC 4180, header row), per account and currency, in order:
  opening   the balance of the entries posted before the month
  entry     each line the month posted: posted_at, entry_id, kind, charge_id, event_id, debit, credit, and the
            running balance after it
  closing   debit and credit: the month's totals; balance: the closing balance, as \`balances --as-of\` the month's
            end shows it
Amounts are integer minor units; a balance is debits − credits (the merchant's payable is negative: owed to it).
A merchant with no entry up to the month's end exits 1.

Examples:
  $ npm run cli -- statement --merchant mch_0193... --month 2026-03 --out acme-2026-03.csv
  $ payment-ledger statement --merchant mch_0193... --month 2026-02 | grep ',closing,'`,
    )
    .action(async (options: StatementOptions) => runStatement(context, options));
}

async function runStatement(context: CommandContext, options: StatementOptions): Promise<void> {
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const database = await openCliDatabase(config.DATABASE_URL);
  try {
    const { start, end, label } = options.month;
    const { opening, movements } = await merchantStatement(database.dataSource, options.merchant, start, end);
    if (opening.length === 0 && movements.length === 0) {
      throw problemFound(`merchant ${options.merchant} has no ledger entries up to the end of ${label} (UTC)`);
    }
    const csv = statementCsv(opening, movements);
    const out = options.out ? createWriteStream(options.out) : context.io.stdout;
    try {
      if (options.out) await once(out, 'open');
      await writeWithBackpressure(out, csv);
      if (options.out) {
        out.end();
        await once(out, 'finish');
      }
    } finally {
      if (options.out && !out.writableFinished) out.destroy();
    }
    say(
      context,
      `statement of ${options.merchant} for ${label} (UTC): ${movements.length} lines in ` +
        `${new Set([...opening, ...movements].map((m) => `${m.account} ${m.currency}`)).size} accounts to ` +
        `${options.out ?? 'stdout'}`,
    );
  } finally {
    await database.close();
  }
}

/** The statement's CSV: for each account and currency (sorted), its opening row, its lines, its closing row. */
export function statementCsv(opening: readonly AccountBalance[], movements: readonly StatementMovement[]): string {
  const keyOf = (m: { account: string; currency: string }) => `${m.account}\u0000${m.currency}`;
  const keys = [...new Set([...opening.map(keyOf), ...movements.map(keyOf)])].sort();
  const linesOf = new Map<string, StatementMovement[]>();
  for (const m of movements) {
    const lines = linesOf.get(keyOf(m)) ?? [];
    lines.push(m);
    linesOf.set(keyOf(m), lines);
  }
  const row = (cells: (string | number)[]) => `${cells.map((c) => csvField(String(c))).join(',')}\r\n`;
  let csv = row([...STATEMENT_COLUMNS]);
  for (const key of keys) {
    const [account, currency] = key.split('\u0000');
    let balance = opening.find((b) => keyOf(b) === key)?.balance ?? 0;
    csv += row([account, currency, 'opening', '', '', '', '', '', '', '', balance]);
    let debits = 0;
    let credits = 0;
    for (const m of linesOf.get(key) ?? []) {
      balance += m.debit - m.credit;
      debits += m.debit;
      credits += m.credit;
      const at = m.postedAt.toISOString();
      csv += row([
        account,
        currency,
        'entry',
        at,
        m.entryId,
        m.kind,
        m.chargeId,
        m.eventId,
        m.debit,
        m.credit,
        balance,
      ]);
    }
    csv += row([account, currency, 'closing', '', '', '', '', '', debits, credits, balance]);
  }
  return csv;
}
