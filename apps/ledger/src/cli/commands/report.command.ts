import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { balancesOverTime, dailyVolumes, largestMerchants, utcDays } from '../../infrastructure/ledger-reports';
import { instant, wholeNumber } from '../arguments';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { openCliDatabase } from '../cli-database';
import { type CommandContext, progressBar, say } from '../command-context';
import { badUsage } from '../exit-codes';
import { renderReport } from '../report-html';

interface ReportOptions {
  from: Date;
  to: Date;
  out: string;
  top: number;
}

/** Days a report covers at most: a bar per day and metric stays readable, and the balances query stays one pass. */
const MAX_DAYS = 400;

/**
 * `report`: one self-contained HTML page (report-html.ts) with the window's volumes per day, the clearing and payable
 * balances at the end of each day, and the largest merchants by captured volume.
 */
export function reportCommand(context: CommandContext): Command {
  return new Command('report')
    .description('write an HTML report: volumes per day, balances over time, largest merchants (self-contained page)')
    .requiredOption('--from <time>', 'the window: from this instant (ISO 8601)', instant)
    .requiredOption('--to <time>', 'the window: up to this instant (ISO 8601, exclusive)', instant)
    .requiredOption('--out <file>', 'the HTML file to write (report.html)')
    .option('--top <n>', 'how many of the largest merchants to show', wholeNumber(1), 10)
    .addHelpText(
      'after',
      `
One HTML file with inline CSS and inline SVG charts: no script, no external asset, so it opens offline and can be
mailed as it is. Days are UTC days (at most ${MAX_DAYS}). It shows:
  volumes per day   charges created and failed (from the event log), captured and refunded (from the ledger),
                    counts in a chart and counts and amounts per currency in a table
  balances          every provider's clearing and every merchant's payable balance per currency, at each day's end
  merchants         the largest merchants by captured volume in the window, per currency

Examples:
  $ npm run cli -- report --from 2026-03-01 --to 2026-04-01 --out report.html
  $ payment-ledger report --from 2026-03-01T00:00:00Z --to 2026-03-08T00:00:00Z --top 20 --out week.html`,
    )
    .action(async (options: ReportOptions) => runReport(context, options));
}

async function runReport(context: CommandContext, options: ReportOptions): Promise<void> {
  const { from, to } = options;
  if (from.getTime() >= to.getTime()) throw badUsage('--from must be before --to');
  const days = utcDays(from, to);
  if (days.length > MAX_DAYS)
    throw badUsage(`the window covers ${days.length} days; a report covers at most ${MAX_DAYS}`);
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const database = await openCliDatabase(config.DATABASE_URL);
  try {
    const progress = progressBar(context, { label: 'report', unit: 'queries', total: 3 });
    const started = performance.now();
    const volumes = await dailyVolumes(database.dataSource, from, to);
    progress.update(1);
    const balances = await balancesOverTime(database.dataSource, from, to);
    progress.update(2);
    const merchants = await largestMerchants(database.dataSource, from, to, options.top);
    progress.update(3);
    progress.finish();
    const html = renderReport({ from, to, generatedAt: new Date(), days, volumes, balances, merchants });
    await writeFile(options.out, html);
    say(
      context,
      `report ${from.toISOString()} – ${to.toISOString()} (${days.length} days, ${merchants.length} merchant rows) ` +
        `written to ${options.out} (${html.length} bytes) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await database.close();
  }
}
