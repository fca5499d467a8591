import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { type LogExportFilter, PostgresLogExport } from '@payment-ledger/event-store';
import { collect, instant, wholeNumber } from '../arguments';
import { cliConfig, cliDatabaseConfigSchema } from '../cli-config';
import { openCliDatabase } from '../cli-database';
import { type CommandContext, progressBar, say } from '../command-context';
import { EXPORT_FORMATS, EXPORT_WRITERS, type ExportFormat } from '../export-formats';
import { writeWithBackpressure } from '../output';

interface ExportOptions {
  format: ExportFormat;
  out?: string;
  streamType: string[];
  merchant?: string;
  from?: Date;
  to?: Date;
  fromPosition?: number;
  toPosition?: number;
  pageSize: number;
}

/**
 * `export`: the event log, or part of it, as NDJSON, CSV or CloudEvents, to a file or stdout. Streams: one page of
 * the log in memory at a time (the next read while this one is written), and the output's backpressure respected,
 * so memory stays flat for any size of log. The log is taken as it stood when the export started (PostgresLogExport).
 */
export function exportCommand(context: CommandContext): Command {
  return new Command('export')
    .description('write the event log (all, or filtered) as NDJSON, CSV or CloudEvents JSON, to a file or stdout')
    .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('ndjson'))
    .option('--out <file>', 'write to this file (default: stdout)')
    .option('--stream-type <type>', 'only this stream type (charge, agreement, refund, ...); repeatable', collect, [])
    .option('--merchant <id>', "only the streams this merchant's requests wrote (their events' metadata merchantId)")
    .option('--from <time>', 'only events recorded at or after this instant (ISO 8601)', instant)
    .option('--to <time>', 'only events recorded before this instant (ISO 8601, exclusive)', instant)
    .option('--from-position <n>', 'only events at this global position or after', wholeNumber(0))
    .option('--to-position <n>', 'only events at this global position or before (inclusive)', wholeNumber(0))
    .option('--page-size <n>', 'events read per query', wholeNumber(1), 2_000)
    .addHelpText(
      'after',
      `
The log is read in its order (transaction, then position: the order projections read it in), as it stood when the
export started. NDJSON: one object per event with every column. CSV: RFC 4180 with a header row, payload and
metadata as JSON text. CloudEvents: 1.0 JSON, one per line (id, source, type, subject = stream id, time, data;
position, streamversion, schemaversion as extension attributes).

Examples:
  $ npm run cli -- export --out log.ndjson
  $ npm run cli -- export --format csv --stream-type charge --from 2026-03-01 --to 2026-04-01 --out march.csv
  $ npm run cli -- export --format cloudevents --merchant mch_0193... | gzip > merchant.jsonl.gz
  $ payment-ledger export --from-position 1000000 --to-position 2000000 --quiet > slice.ndjson`,
    )
    .action(async (options: ExportOptions) => runExport(context, options));
}

async function runExport(context: CommandContext, options: ExportOptions): Promise<void> {
  const config = cliConfig(cliDatabaseConfigSchema, context.io);
  const filter: LogExportFilter = {
    streamTypes: options.streamType.length > 0 ? options.streamType : undefined,
    merchantId: options.merchant,
    recordedFrom: options.from,
    recordedBefore: options.to,
    fromPosition: options.fromPosition,
    toPosition: options.toPosition,
  };
  const writer = EXPORT_WRITERS[options.format];
  const database = await openCliDatabase(config.DATABASE_URL);
  let out: Writable | undefined;
  try {
    const log = new PostgresLogExport(database.pool);
    const end = await log.exportEnd();
    const progress = progressBar(context, { label: 'export' });
    // Counting is a scan of what is exported: only for a bar that shows it.
    if (progress.draws) progress.setTotal(await log.count(filter, end));
    out = options.out ? createWriteStream(options.out) : context.io.stdout;
    if (options.out) await once(out, 'open');
    const started = performance.now();
    let exported = 0;
    if (writer.header) await writeWithBackpressure(out, writer.header);
    for await (const page of log.pages(filter, end, { pageSize: options.pageSize, jsonForm: writer.jsonForm })) {
      let chunk = '';
      for (const event of page) chunk += writer.line(event);
      await writeWithBackpressure(out, chunk);
      exported += page.length;
      progress.update(exported);
    }
    if (options.out) {
      out.end();
      await once(out, 'finish');
    }
    progress.finish();
    const seconds = (performance.now() - started) / 1000;
    say(
      context,
      `exported ${exported} events (${options.format}) to ${options.out ?? 'stdout'} in ${seconds.toFixed(1)} s` +
        ` (${Math.round(exported / Math.max(seconds, 1e-3))} events/s)`,
    );
  } finally {
    if (options.out && out && !out.writableFinished) out.destroy();
    await database.close();
  }
}
