import { Command } from 'commander';
import { PostgresEventStore, verifyEventLog } from '@payment-ledger/event-store';
import { verifyProjection } from '@payment-ledger/messaging';
import { findLedgerEntryProblems } from '../../infrastructure/ledger-integrity';
import { collect } from '../arguments';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { openCliDatabase } from '../cli-database';
import { type CommandContext, progressBar, say } from '../command-context';
import { badUsage, problemFound } from '../exit-codes';
import { REBUILDABLE_PROJECTIONS } from '../rebuildable-projections';

interface VerifyOptions {
  log: boolean;
  ledger: boolean;
  readModels: boolean;
  projection?: string[];
  json?: boolean;
}

/** One check's outcome in the report: its name, what it went over, and every problem (empty: it passed). */
interface CheckReport {
  check: string;
  checked: string;
  problems: string[];
}

/**
 * `verify`: the log and everything kept from it, checked against each other: (1) the event log itself (contiguous
 * stream versions, every hash chain, every checkpoint: verifyEventLog in libs/event-store); (2) every journal entry
 * balanced and whole; (3) every read model (the rebuildable projections, the ledger's included) equal, row for row,
 * to a fresh build from the log (verifyProjection in libs/messaging). A readable report on stdout (or JSON), exit 1
 * when anything is wrong.
 */
export function verifyCommand(context: CommandContext): Command {
  const names = Object.keys(REBUILDABLE_PROJECTIONS);
  return new Command('verify')
    .description('check the event log (versions, hash chains, checkpoints), the ledger and every read model')
    .option('--no-log', 'skip the event log check')
    .option('--no-ledger', 'skip the journal entries check')
    .option('--no-read-models', 'skip comparing the read models with the log')
    .option('--projection <name>', `only this read model (repeatable): ${names.join(', ')}`, collect)
    .option('--json', 'the report as JSON')
    .addHelpText(
      'after',
      `
Read models are compared by building fresh copies from position 0 beside the live tables (with the services'
own projection code), bringing both to the same place under the live checkpoint's lock, and comparing them both
ways; the copies are dropped afterwards. DATABASE_URL must be the tables' owner (the migration role) for that.
The event log check recomputes every hash in this process, not with the database's functions.

Examples:
  $ npm run cli -- verify
  $ npm run cli -- verify --no-read-models --json
  $ npm run cli -- verify --no-log --projection ledger.journal`,
    )
    .action(async (options: VerifyOptions) => runVerify(context, options));
}

async function runVerify(context: CommandContext, options: VerifyOptions): Promise<void> {
  const projections = options.projection ?? (options.readModels ? Object.keys(REBUILDABLE_PROJECTIONS) : []);
  const unknown = projections.filter((name) => !REBUILDABLE_PROJECTIONS[name]);
  if (unknown.length > 0) throw badUsage(`no projection ${unknown.map((n) => `"${n}"`).join(', ')}`);
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const database = await openCliDatabase(config.DATABASE_URL);
  const reports: CheckReport[] = [];
  try {
    if (options.log) {
      const progress = progressBar(context, { label: 'verify event log' });
      const log = await verifyEventLog(database.pool, {
        onProgress: (p) => progress.update(p.eventsChecked + p.checkpointsChecked),
      });
      progress.finish();
      reports.push({
        check: 'event log',
        checked:
          `${log.eventsChecked} events in ${log.streamsChecked} streams, ${log.checkpointsChecked} checkpoints` +
          (log.unchainedEvents > 0 ? ` (${log.unchainedEvents} events from before the chains, by checkpoint)` : ''),
        problems: log.violations.map(
          (v) =>
            `${v.kind}: ${v.streamId !== null ? `stream ${v.streamId} version ${v.streamVersion} ` : ''}` +
            `${v.checkpointNumber !== null ? `checkpoint ${v.checkpointNumber} ` : ''}position ${v.globalPosition}: ${v.detail}`,
        ),
      });
      if (log.violationCount > log.violations.length) {
        reports[reports.length - 1].problems.push(`… and ${log.violationCount - log.violations.length} more`);
      }
    }
    if (options.ledger) {
      const problems = await findLedgerEntryProblems(database.pool);
      const { rows } = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries');
      reports.push({
        check: 'ledger entries',
        checked: `${rows[0].n} entries`,
        problems: problems.map((p) => `entry ${p.entryId}: ${p.detail}`),
      });
    }
    const store = new PostgresEventStore(database.pool, { coalesce: false });
    for (const name of projections) {
      const progress = progressBar(context, { label: `verify ${name}` });
      const result = await verifyProjection(database.pool, store, REBUILDABLE_PROJECTIONS[name](store), {
        onProgress: (events) => progress.update(events),
      });
      progress.finish();
      reports.push({
        check: `read model ${name}`,
        checked: `${result.events} events`,
        problems: result.differences.map(
          (d) =>
            `${d.table}: ${d.unexpected} rows not from the log (${d.unexpectedKeys.join(', ') || '-'}), ` +
            `${d.missing} rows of the log missing or different (${d.missingKeys.join(', ') || '-'})`,
        ),
      });
    }
  } finally {
    await database.close();
  }
  const failed = reports.filter((r) => r.problems.length > 0);
  if (options.json) {
    context.io.stdout.write(`${JSON.stringify({ ok: failed.length === 0, checks: reports }, null, 2)}\n`);
  } else {
    for (const report of reports) {
      const mark = report.problems.length === 0 ? 'ok  ' : 'FAIL';
      context.io.stdout.write(`${mark} ${report.check}: ${report.checked}\n`);
      for (const problem of report.problems) context.io.stdout.write(`       ${problem}\n`);
    }
  }
  if (failed.length > 0) {
    throw problemFound(`verify found problems in: ${failed.map((r) => r.check).join(', ')}`);
  }
  say(context, `verify: all ${reports.length} checks passed`);
}
