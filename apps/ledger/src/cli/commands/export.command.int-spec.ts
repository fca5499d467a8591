/**
 * `export` against a real PostgreSQL log (bench/support/generate-log.ts's charges and refunds, and one event whose
 * payload needs CSV quoting): each format, each filter, stdout and a file, paging, progress, exit codes; and the same
 * export through the `payment-ledger` bin shim and `npm run cli` as child processes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PostgresEventStore } from '@payment-ledger/event-store';
import { generateLog, type GeneratedLog } from '../../../../../bench/support/generate-log';
import { TestDatabase } from '../../../../../test/support/test-database';
import { cli } from '../cli-test-io.spec-support';
import { CSV_COLUMNS } from '../export-formats';

const REPO = join(__dirname, '..', '..', '..', '..', '..');
const run = promisify(execFile);

let db: TestDatabase;
let env: Record<string, string>;
let log: GeneratedLog;
const TRICKY = { text: 'a, "quoted" word\nand a second line', amount: 1250 };

interface Row {
  global_position: string;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  stream_type: string;
  stream_version: number;
  event_type: string;
  metadata: Record<string, unknown>;
  data: unknown;
  recorded_at: Date;
}

/** The log's rows in log order, filtered by SQL written independently of the export's. */
const rows = async (where = 'true', values: unknown[] = []) =>
  (
    await db.pool.query<Row>(
      `SELECT global_position, transaction_id::text, event_id, stream_id, stream_type, stream_version, event_type,
              metadata, data, recorded_at
         FROM events WHERE ${where} ORDER BY transaction_id, global_position`,
      values,
    )
  ).rows;

const lines = (text: string) => text.split('\n').filter((line) => line !== '');
const ndjson = (text: string) => lines(text).map((line) => JSON.parse(line) as Record<string, unknown>);
const positions = (text: string) => ndjson(text).map((e) => String(e.position));

/** RFC 4180, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      record.push(field);
      field = '';
    } else if (!quoted && c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return records;
}

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 4 });
  env = { DATABASE_URL: db.url };
  log = await generateLog(db.pool, { events: 1_200, merchants: 3, cohort: 40, rowsPerInsert: 250, spanDays: 10 });
  await new PostgresEventStore(db.pool).append('test-note:tricky', 0, [
    { type: 'NoteWritten', data: TRICKY, metadata: { merchantId: log.merchantIds[0], actor: 'test' } },
  ]);
});
afterAll(async () => {
  await db?.drop();
});

describe('formats', () => {
  it('ndjson on stdout: every event in log order, every column', async () => {
    const { code, out, err } = await cli(env, '--quiet', 'export');
    expect(code).toBe(0);
    expect(err).toBe('');
    const all = await rows();
    const events = ndjson(out);
    expect(events).toHaveLength(all.length);
    expect(events.map((e) => String(e.position))).toEqual(all.map((r) => r.global_position));
    const tricky = events.find((e) => e.streamId === 'test-note:tricky')!;
    const stored = all.find((r) => r.stream_id === 'test-note:tricky')!;
    expect(tricky).toEqual({
      position: Number(stored.global_position),
      transactionId: stored.transaction_id,
      eventId: stored.event_id,
      streamId: 'test-note:tricky',
      streamType: 'test-note',
      streamVersion: 1,
      type: 'NoteWritten',
      schemaVersion: 1,
      recordedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/),
      data: TRICKY,
      metadata: stored.metadata,
    });
    expect(Date.parse(tricky.recordedAt as string)).toBe(stored.recorded_at.getTime());
  });

  it('csv to a file: a header, RFC 4180 quoting that gives back the payload, one record per event', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-export-')), 'log.csv');
    const { code, err } = await cli(env, 'export', '--format', 'csv', '--out', file);
    expect(code).toBe(0);
    expect(err).toMatch(/^exported \d+ events \(csv\) to .*log\.csv in [\d.]+ s \(\d+ events\/s\)\n$/);
    const [header, ...records] = parseCsv(readFileSync(file, 'utf8'));
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(records).toHaveLength((await rows()).length);
    expect(records.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
    const tricky = records.find((r) => r[3] === 'test-note:tricky')!;
    expect(JSON.parse(tricky[9])).toEqual(TRICKY);
    expect(JSON.parse(tricky[10])).toEqual({ merchantId: log.merchantIds[0], actor: 'test' });
    expect(tricky.slice(4, 8)).toEqual(['test-note', '1', 'NoteWritten', '1']);
  });

  it('cloudevents: CloudEvents 1.0 JSON, one per line, the log position and versions as extensions', async () => {
    const { code, out } = await cli(env, '--quiet', 'export', '--format', 'cloudevents', '--stream-type', 'refund');
    expect(code).toBe(0);
    const refundRows = await rows(`stream_type = 'refund'`);
    const events = ndjson(out);
    expect(events).toHaveLength(refundRows.length);
    expect(events[0]).toEqual({
      specversion: '1.0',
      id: refundRows[0].event_id,
      source: '/event-log/refund',
      type: 'RefundRequested',
      subject: refundRows[0].stream_id,
      time: expect.stringMatching(/Z$/),
      datacontenttype: 'application/json',
      position: refundRows[0].global_position,
      streamversion: 1,
      schemaversion: 1,
      data: refundRows[0].data,
    });
  });
});

describe('filters', () => {
  it('--stream-type, once or repeated', async () => {
    const refunds = await cli(env, '--quiet', 'export', '--stream-type', 'refund');
    expect(positions(refunds.out)).toEqual((await rows(`stream_type = 'refund'`)).map((r) => r.global_position));
    const both = await cli(env, '--quiet', 'export', '--stream-type', 'refund', '--stream-type', 'test-note');
    expect(positions(both.out)).toEqual(
      (await rows(`stream_type IN ('refund', 'test-note')`)).map((r) => r.global_position),
    );
  });

  it("--merchant: every event of the merchant's streams, those the consumer caused (no merchant id) too", async () => {
    const merchant = log.merchantIds[1];
    const { out } = await cli(env, '--quiet', 'export', '--merchant', merchant);
    const expected = await rows(`stream_id IN (SELECT stream_id FROM events WHERE metadata->>'merchantId' = $1)`, [
      merchant,
    ]);
    expect(positions(out)).toEqual(expected.map((r) => r.global_position));
    const actors = new Set(ndjson(out).map((e) => (e.metadata as { actor: string }).actor));
    expect(actors).toEqual(new Set([`merchant:${merchant}`, 'consumer', 'charges-refund-progress']));
    expect(ndjson(out).some((e) => e.streamId === 'test-note:tricky')).toBe(false);
  });

  it('--from (inclusive) and --to (exclusive) on the time recorded', async () => {
    const from = new Date(log.from.getTime() + 2 * 86_400_000);
    const to = new Date(log.from.getTime() + 5 * 86_400_000);
    const { out } = await cli(env, '--quiet', 'export', '--from', from.toISOString(), '--to', to.toISOString());
    const expected = await rows('recorded_at >= $1 AND recorded_at < $2', [from, to]);
    expect(expected.length).toBeGreaterThan(100);
    expect(positions(out)).toEqual(expected.map((r) => r.global_position));
  });

  it('--from-position and --to-position, both inclusive', async () => {
    const { out } = await cli(env, '--quiet', 'export', '--from-position', '100', '--to-position', '350');
    expect(positions(out)).toEqual((await rows('global_position BETWEEN 100 AND 350')).map((r) => r.global_position));
  });

  it('pages of any size give the same export', async () => {
    const whole = await cli(env, '--quiet', 'export', '--format', 'csv');
    const paged = await cli(env, '--quiet', 'export', '--format', 'csv', '--page-size', '97');
    expect(paged.out).toBe(whole.out);
  });
});

describe('progress and exit codes', () => {
  it('--progress draws done/total, events/s and ETA on stderr; stdout is the export only', async () => {
    const { code, out, err } = await cli(env, '--progress', 'export', '--stream-type', 'refund', '--page-size', '50');
    expect(code).toBe(0);
    const total = (await rows(`stream_type = 'refund'`)).length;
    expect(err).toContain(`${total}/${total}  100%`);
    expect(err).toMatch(/[\d,]+ events\/s {2}ETA \d+s/);
    expect(lines(out)).toHaveLength(total);
  });

  it.each([
    ['an unknown format', ['export', '--format', 'xml'], /argument 'xml' is invalid/],
    ['a time without a zone', ['export', '--from', '2026-03-01T12:00:00'], /ISO 8601/],
    ['a negative position', ['export', '--from-position', '-3'], /unknown option|whole number/],
    ['an unknown option', ['export', '--bogus'], /unknown option '--bogus'/],
    ['an unknown command', ['exprot'], /unknown command 'exprot'/],
  ])('%s is a usage error: exit 2', async (_what, argv, message) => {
    const { code, err } = await cli(env, ...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('a missing DATABASE_URL is exit 2, naming it; an unreachable PostgreSQL is exit 3', async () => {
    const missing = await cli({}, 'export');
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining('DATABASE_URL is required')]);
    const away = await cli({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' }, 'export');
    expect([away.code, away.err]).toEqual([3, expect.stringMatching(/^error: .*ECONNREFUSED/)]);
  });

  it('--help on the program and on each command, with examples, exits 0', async () => {
    for (const argv of [['--help'], ...['export', 'state', 'replay', 'rebuild'].map((c) => [c, '--help'])]) {
      const { code, out } = await cli(env, ...argv);
      expect(code).toBe(0);
      expect(out).toContain('Examples:');
      expect(out).toContain('Exit codes:');
    }
  });
});

describe('as a process', () => {
  it('the bin shim: the same export, exit 0', async () => {
    const inProcess = await cli(env, '--quiet', 'export', '--stream-type', 'refund', '--format', 'cloudevents');
    const child = await run(
      'node',
      [
        join(REPO, 'bin', 'payment-ledger.js'),
        '--quiet',
        'export',
        '--stream-type',
        'refund',
        '--format',
        'cloudevents',
      ],
      { cwd: tmpdir(), env: { PATH: process.env.PATH, DATABASE_URL: db.url }, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(child.stdout).toBe(inProcess.out);
  });

  it('npm run cli: a usage error exits 2, a state not found exits 1', async () => {
    const childEnv = { ...process.env, DATABASE_URL: db.url };
    const exitCode = (argv: string[]) =>
      run('npm', ['run', '--silent', 'cli', '--', ...argv], { cwd: REPO, env: childEnv }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );
    expect(await exitCode(['export', '--format', 'xml'])).toBe(2);
    expect(await exitCode(['state', `charge_${'0'.repeat(32)}`])).toBe(1);
  });
});
