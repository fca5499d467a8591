/**
 * The CLI's finance commands (`balances`, `statement`, `reconcile`, `report`) run in-process with runCli over real
 * traffic through the gateway and services (charges in USD, the one currency the sandbox takes; partial and automatic captures, a void, a
 * declined charge, refunds that succeed and one the provider declines, chargebacks lost, won and open) on real
 * PostgreSQL and Kafka. Tampering is done as the database's owner on tables with no immutability trigger (the ledger's
 * and the sandbox provider's), and undone after each test.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { type AccountBalance, trialBalance } from '@payment-ledger/ledger';
import { ProjectionRunners } from '@payment-ledger/messaging';
import type { Browser } from 'playwright-core';
import type { CliIo } from '../../apps/ledger/src/cli/cli-io';
import { runCli } from '../../apps/ledger/src/cli/main';
import { launchChromium } from '../support/e2e-harness';
import { apiClient, PaymentStack, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CLI JSON output is checked field by field
type Json = any;

/** A merchant name that is HTML: the report must show it as text. */
const TRICKY_NAME = `Acme <script>alert("x")</script> & 'Books' <b>bold</b>`;

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;
let otherApi: ReturnType<typeof apiClient>;
let acmeId: string;
let otherId: string;
let workDir: string;
const charges = { refunded: '', partial: '', voided: '', won: '', open: '', large: '', declined: '', other: '' };

const key = () => ({ 'request-idempotency-key': randomUUID() });

async function chargeback(chargeId: string, amount: number, outcome: 'WON' | 'LOST' | null): Promise<string> {
  const opened = await api('POST', `/v1/payment-charges/${chargeId}/chargebacks`, { amount, reason: 'fraud' }, key());
  expect(opened.status).toBe(201);
  if (outcome) {
    const resolved = await api(
      'POST',
      `/v1/payment-charges/${chargeId}/chargebacks/${opened.body.id}/resolutions`,
      { outcome },
      key(),
    );
    expect(resolved.body.status).toBe(outcome);
  }
  return opened.body.id as string;
}

/** Runs the CLI in-process as the database's owner; what it wrote and its exit code. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const io: CliIo = {
    stdout: sink((t) => (out += t)),
    stderr: sink((t) => (err += t)),
    env: { DATABASE_URL: db.url },
    stderrIsTTY: false,
  };
  const code = await runCli(argv, io);
  return { code, out, err };
}

const catchUp = () => stack.ledger!.get(ProjectionRunners).catchUp();

/** Every entry's lines with its time, from the table the projection wrote (not through the balances query). */
async function postedEntries(merchantId?: string) {
  const { rows } = await db.pool.query<{ us: string; state: Json }>(
    `SELECT (extract(epoch FROM posted_at) * 1000000)::bigint::text AS us, state
       FROM ledger_entries ${merchantId ? 'WHERE merchant_id = $1' : ''}`,
    merchantId ? [merchantId] : [],
  );
  // Microseconds, as PostgreSQL keeps them (a JS Date would lose them): what `posted_at <= asOf` compares.
  return rows.map((r) => ({ us: BigInt(r.us), state: r.state }));
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ledger-cli-'));
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { ledger: true }).start();
  const acme = await stack.merchant(TRICKY_NAME);
  acmeId = acme.merchant.id;
  api = apiClient(stack.baseUrl, acme.apiKey);
  const other = await stack.merchant('Other Shop');
  otherId = other.merchant.id;
  otherApi = apiClient(stack.baseUrl, other.apiKey);

  charges.refunded = await stack.approvedCharge(api, 'AUTOMATIC');
  charges.partial = await stack.approvedCharge(api, 'MANUAL');
  expect((await api('POST', `/v1/payment-charges/${charges.partial}/captures`, { amount: 600 }, key())).status).toBe(
    201,
  );
  charges.voided = await stack.approvedCharge(api, 'MANUAL');
  expect((await api('POST', `/v1/payment-charges/${charges.voided}/voids`, {}, key())).status).toBe(201);
  charges.won = await stack.approvedCharge(api, 'AUTOMATIC');
  charges.open = await stack.approvedCharge(api, 'AUTOMATIC');
  charges.large = await stack.approvedCharge(api, 'AUTOMATIC', {
    ...SEED_001_CHARGE,
    amount: { value: 2500, currency: 'USD' },
  });
  charges.declined = await stack.approvedCharge(api, 'AUTOMATIC', {
    ...SEED_001_CHARGE,
    sandbox: { simulationCode: 'Declined' },
  });
  expect((await api('GET', `/v1/payment-charges/${charges.declined}`)).body.status).toBe('FAILED');
  charges.other = await stack.approvedCharge(otherApi, 'AUTOMATIC', {
    ...SEED_001_CHARGE,
    amount: { value: 5000, currency: 'USD' },
  });

  const c = charges.refunded;
  expect((await api('POST', `/v1/payment-charges/${c}/refunds`, { amount: 300 }, key())).body.status).toBe('SUCCEEDED');
  const declined = await api(
    'POST',
    `/v1/payment-charges/${c}/refunds`,
    { amount: 200, sandbox: { simulationCode: 'RefundDeclined' } },
    key(),
  );
  expect(declined.body.status).toBe('FAILED');
  expect((await api('POST', `/v1/payment-charges/${charges.large}/refunds`, { amount: 500 }, key())).body.status).toBe(
    'SUCCEEDED',
  );
  await chargeback(c, 100, 'LOST');
  await chargeback(charges.won, 200, 'WON');
  await chargeback(charges.open, 150, null);
  await catchUp();
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('balances', () => {
  it('debits equal credits at every recorded instant and between them, and match the entries posted by then', async () => {
    const entries = await postedEntries();
    expect(entries.length).toBeGreaterThan(20);
    // In milliseconds (the CLI's instants): each entry's time rounded down and up, the midpoint to the next one,
    // and before all and after all.
    const times = [...new Set(entries.map((e) => Number(e.us / 1000n)))].sort((a, b) => a - b);
    const instants = new Set<number>([times[0] - 60_000, times[times.length - 1] + 60_000]);
    times.forEach((t, i) => {
      instants.add(t);
      instants.add(t + 1);
      if (i + 1 < times.length) instants.add(Math.floor((t + times[i + 1]) / 2));
    });
    const byAccount = (balances: AccountBalance[]) =>
      [...balances].sort((a, b) => (`${a.account} ${a.currency}` < `${b.account} ${b.currency}` ? -1 : 1));
    let checked = 0;
    for (const at of [...instants].sort((a, b) => a - b)) {
      const asOf = new Date(at);
      const run = await cli('balances', '--as-of', asOf.toISOString(), '--format', 'json');
      expect({ at: asOf.toISOString(), code: run.code, err: run.err }).toMatchObject({ code: 0 });
      const report = JSON.parse(run.out);
      expect(report.balanced).toBe(true);
      for (const total of report.totals) expect(total.debits).toBe(total.credits);
      // The same trial balance as folding the stored entries posted by then (libs/ledger, not the query).
      const expected = trialBalance(entries.filter((e) => e.us <= BigInt(at) * 1000n).map((e) => e.state));
      expect(byAccount(report.balances)).toEqual(byAccount(expected));
      checked += 1;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("a merchant's trial balance balances too, and is the API's /v1/balances", async () => {
    const run = await cli('balances', '--merchant', acmeId, '--format', 'json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.out);
    expect(report.merchantId).toBe(acmeId);
    expect(report.totals.map((t: Json) => t.currency)).toEqual(['USD']);
    const viaApi = await api('GET', '/v1/balances');
    expect(report.balances).toEqual(viaApi.body.balances);
    const others = JSON.parse((await cli('balances', '--merchant', otherId, '--format', 'json')).out);
    expect(others.balances.every((b: Json) => !b.account.includes(acmeId))).toBe(true);
  });

  it('table and csv formats show the totals; a line that unbalances the ledger exits 1 naming the currency', async () => {
    const table = await cli('balances');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/TOTAL\s+USD\s+\d+\s+\d+\s+0\n/);
    const csv = await cli('balances', '--format', 'csv');
    expect(csv.out.split('\r\n')[0]).toBe('account,currency,debits,credits,balance');
    expect(csv.out).toMatch(/\r\nTOTAL,USD,(\d+),\1,0\r\n/);

    const { rows } = await db.pool.query(
      `UPDATE ledger_lines SET debit = debit + 7 WHERE (entry_id, line_no) =
         (SELECT entry_id, line_no FROM ledger_lines WHERE currency = 'USD' AND debit > 0 LIMIT 1)
       RETURNING entry_id, line_no`,
    );
    try {
      const broken = await cli('balances');
      expect(broken.code).toBe(1);
      expect(broken.err).toMatch(/does not balance: USD debits (\d+) ≠ credits (\d+) \(by 7\)/);
      expect(broken.out).toContain('TOTAL');
    } finally {
      await db.pool.query('UPDATE ledger_lines SET debit = debit - 7 WHERE entry_id = $1 AND line_no = $2', [
        rows[0].entry_id,
        rows[0].line_no,
      ]);
    }
    expect((await cli('balances', '--as-of', 'yesterday')).code).toBe(2);
  });
});

describe('reconcile', () => {
  // From long before: the sandbox dates its records by the stack's manual clock, the ledger by the database's.
  const window = () => ['--from', '2000-01-01', '--to', new Date(Date.now() + 60_000).toISOString()];
  const reconcileJson = async (...argv: string[]) => {
    const run = await cli('reconcile', ...argv, '--format', 'json');
    return { ...run, report: JSON.parse(run.out) };
  };

  it('a clean run: every capture, succeeded refund and chargeback agrees with the provider (exit 0)', async () => {
    const { code, report, err } = await reconcileJson(...window());
    expect({ code, err }).toMatchObject({ code: 0 });
    expect(report.differences).toEqual([]);
    // Captures: the automatic ones (5 and the other merchant's), the partial one; refunds: the two that succeeded.
    expect(report.compared).toEqual({ capture: 6, refund: 2, chargeback: 3 });
    const table = await cli('reconcile', ...window());
    expect(table).toMatchObject({ code: 0, out: 'No differences.\n' });
  });

  it("a window only the provider's records fall in (its own clock) still matches them with the ledger's", async () => {
    const { rows } = await db.pool.query<{ first: Date; last: Date }>(
      'SELECT min(created_at) AS first, max(created_at) AS last FROM amazon_pay_sandbox_chargebacks',
    );
    const from = rows[0].first;
    const to = new Date(rows[0].last.getTime() + 1);
    const { code, report } = await reconcileJson('--from', from.toISOString(), '--to', to.toISOString());
    expect(code).toBe(0);
    expect(report.compared.chargeback).toBe(3);
  });

  it('names a provider capture of another amount, a chargeback missing or decided otherwise at the provider', async () => {
    const capture = (
      await db.pool.query<{ operation_id: string }>(
        `SELECT operation_id FROM amazon_pay_sandbox_operations WHERE type = 'capture' AND charge_id = $1`,
        [charges.partial],
      )
    ).rows[0].operation_id;
    const lost = (
      await db.pool.query('SELECT * FROM amazon_pay_sandbox_chargebacks WHERE charge_id = $1', [charges.refunded])
    ).rows[0];
    await db.pool.query('UPDATE amazon_pay_sandbox_operations SET amount = amount + 1 WHERE operation_id = $1', [
      capture,
    ]);
    await db.pool.query('DELETE FROM amazon_pay_sandbox_chargebacks WHERE chargeback_id = $1', [lost.chargeback_id]);
    await db.pool.query(`UPDATE amazon_pay_sandbox_chargebacks SET state = 'LOST' WHERE charge_id = $1`, [charges.won]);
    try {
      const { code, report, err } = await reconcileJson(...window());
      expect(code).toBe(1);
      expect(err).toContain('3 differences');
      const won = report.differences.find((d: Json) => d.chargeId === charges.won);
      expect(report.differences).toEqual(
        expect.arrayContaining([
          {
            kind: 'capture',
            id: capture,
            chargeId: charges.partial,
            problem: 'amount_differs',
            ledger: { amount: 600, currency: 'USD', status: 'CAPTURED' },
            provider: { amount: 601, currency: 'USD', status: 'CAPTURED' },
          },
          {
            kind: 'chargeback',
            id: lost.chargeback_id,
            chargeId: charges.refunded,
            problem: 'missing_at_provider',
            ledger: { amount: 100, currency: 'USD', status: 'LOST' },
            provider: null,
          },
        ]),
      );
      expect(won).toMatchObject({
        kind: 'chargeback',
        problem: 'status_differs',
        ledger: { status: 'WON' },
        provider: { status: 'LOST' },
      });
      const table = await cli('reconcile', ...window());
      expect(table.code).toBe(1);
      expect(table.out).toMatch(new RegExp(`capture\\s+${capture}\\s+${charges.partial}\\s+amount_differs\\s+600 USD`));
      expect(table.out).toContain('missing_at_provider');
    } finally {
      await db.pool.query('UPDATE amazon_pay_sandbox_operations SET amount = amount - 1 WHERE operation_id = $1', [
        capture,
      ]);
      await db.pool.query(`UPDATE amazon_pay_sandbox_chargebacks SET state = 'WON' WHERE charge_id = $1`, [
        charges.won,
      ]);
      await db.pool.query(
        `INSERT INTO amazon_pay_sandbox_chargebacks SELECT * FROM json_populate_record(NULL::amazon_pay_sandbox_chargebacks, $1)`,
        [JSON.stringify(lost)],
      );
    }
    expect((await reconcileJson(...window())).report.differences).toEqual([]);
  });

  it('names a refund whose ledger line was changed, and a capture the ledger lost', async () => {
    const refundLine = (
      await db.pool.query<{ entry_id: string; line_no: number }>(
        `SELECT l.entry_id, l.line_no FROM ledger_lines l JOIN ledger_entries e USING (entry_id)
          WHERE e.kind = 'refund_succeeded' AND e.charge_id = $1 AND l.account LIKE 'provider:%:clearing'`,
        [charges.large],
      )
    ).rows[0];
    const captureEntry = (
      await db.pool.query('SELECT * FROM ledger_entries WHERE kind = $1 AND charge_id = $2', ['capture', charges.other])
    ).rows[0];
    const captureLines = (
      await db.pool.query('SELECT * FROM ledger_lines WHERE entry_id = $1', [captureEntry.entry_id])
    ).rows;
    await db.pool.query('UPDATE ledger_lines SET credit = credit - 50 WHERE entry_id = $1 AND line_no = $2', [
      refundLine.entry_id,
      refundLine.line_no,
    ]);
    await db.pool.query('DELETE FROM ledger_lines WHERE entry_id = $1', [captureEntry.entry_id]);
    await db.pool.query('DELETE FROM ledger_entries WHERE entry_id = $1', [captureEntry.entry_id]);
    try {
      const { code, report } = await reconcileJson(...window());
      expect(code).toBe(1);
      expect(report.differences).toEqual([
        expect.objectContaining({
          kind: 'capture',
          chargeId: charges.other,
          problem: 'missing_in_ledger',
          ledger: null,
          provider: { amount: 5000, currency: 'USD', status: 'CAPTURED' },
        }),
        expect.objectContaining({
          kind: 'refund',
          chargeId: charges.large,
          problem: 'amount_differs',
          ledger: { amount: 450, currency: 'USD', status: 'SUCCEEDED' },
          provider: { amount: 500, currency: 'USD', status: 'SUCCEEDED' },
        }),
      ]);
    } finally {
      await db.pool.query('UPDATE ledger_lines SET credit = credit + 50 WHERE entry_id = $1 AND line_no = $2', [
        refundLine.entry_id,
        refundLine.line_no,
      ]);
      await db.pool.query('INSERT INTO ledger_entries SELECT * FROM json_populate_record(NULL::ledger_entries, $1)', [
        JSON.stringify(captureEntry),
      ]);
      await db.pool.query('INSERT INTO ledger_lines SELECT * FROM json_populate_recordset(NULL::ledger_lines, $1)', [
        JSON.stringify(captureLines),
      ]);
    }
    expect((await reconcileJson(...window())).code).toBe(0);
    expect((await cli('reconcile', '--from', '2026-03-02', '--to', '2026-03-01')).code).toBe(2);
  });
});

describe('report', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('writes one self-contained page whose charts render in chromium and whose figures are the data', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.parse(today) - 2 * 86_400_000);
    const to = new Date(Date.parse(today) + 86_400_000);
    const out = join(workDir, 'report.html');
    const run = await cli('report', '--from', from.toISOString(), '--to', to.toISOString(), '--out', out);
    expect({ code: run.code, err: run.err }).toMatchObject({ code: 0 });
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(/i);
    expect(html).toContain('Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Books&#39;');

    browser = await launchChromium();
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const url = pathToFileURL(out).toString();
    await page.goto(url);
    expect(requests).toEqual([url]);

    // Volumes: a bar per day and metric; today's counts as the traffic made them.
    expect(await page.locator('#volumes-chart rect.bar').count()).toBe(3 * 4);
    const bar = (metric: string) =>
      page.locator(`#volumes-chart rect[data-day="${today}"][data-metric="${metric}"]`).getAttribute('data-count');
    // Created: 8 charges (7 of Acme's, the other merchant's); failed: the declined one.
    expect(await bar('created')).toBe('8');
    expect(await bar('captured')).toBe('6');
    expect(await bar('refunded')).toBe('2');
    expect(await bar('failed')).toBe('1');
    const box = await page.locator('#volumes-chart').boundingBox();
    expect(box!.width).toBeGreaterThan(100);
    const heights = await page
      .locator('#volumes-chart rect.bar')
      .evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().height));
    expect(heights.filter((h) => h > 0)).toHaveLength(4);
    const usd = page.locator(`#volumes-table tr[data-day="${today}"][data-currency="USD"]`);
    const cell = (metric: string) => usd.locator(`td[data-metric="${metric}"]`).textContent();
    expect(await cell('created')).toBe('8');
    // Captured: 1000 × 3 automatic + 600 partial + 2500 + the other shop's 5000 = 11100; refunded 300 + 500.
    expect(await cell('captured-amount')).toBe('111.00 USD');
    expect(await cell('refunded-amount')).toBe('8.00 USD');
    expect(await cell('failed')).toBe('1');

    // Balances: the end of today's point is what `balances` says of the clearing and payable accounts.
    const now = JSON.parse((await cli('balances', '--format', 'json')).out);
    const sum = (pattern: RegExp, currency: string) =>
      now.balances
        .filter((b: Json) => pattern.test(b.account) && b.currency === currency)
        .reduce((t: number, b: Json) => t + b.balance, 0);
    for (const currency of ['USD']) {
      const chart = page.locator(`svg.balances-chart[data-currency="${currency}"]`);
      expect(await chart.locator('polyline').count()).toBe(2);
      expect(await chart.locator('polyline[data-series="clearing"]').getAttribute('points')).toMatch(/\d,\d/);
      const last = (series: string) =>
        chart.locator(`circle[data-series="${series}"]`).last().getAttribute('data-value');
      expect(Number(await last('clearing'))).toBe(sum(/^provider:.*:clearing$/, currency));
      expect(Number(await last('payable'))).toBe(-sum(/^merchant:.*:payable$/, currency));
      // As the traffic made them: clearing 11100 captured − 800 refunded − 100 lost; payable that less the 150 of
      // the open chargeback (the won one came back).
      expect(Number(await last('clearing'))).toBe(10_200);
      expect(Number(await last('payable'))).toBe(10_050);
    }
    expect(
      Number(
        await page
          .locator('svg.balances-chart[data-currency="USD"] circle[data-series="clearing"]')
          .first()
          .getAttribute('data-value'),
      ),
    ).toBe(0);

    // Largest merchants: Acme (6100 captured) before the other shop (5000); Acme's name shown as text.
    const rows = page.locator('#merchants-table tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-merchant')).toBe(acmeId);
    expect(await rows.nth(0).locator('td.name').textContent()).toBe(TRICKY_NAME);
    expect(await rows.nth(0).locator('td[data-field="captured"]').textContent()).toBe('61.00 USD');
    expect(await rows.nth(0).locator('td[data-field="captures"]').textContent()).toBe('5');
    expect(await rows.nth(1).getAttribute('data-merchant')).toBe(otherId);
    expect(await rows.nth(1).locator('td[data-field="captured"]').textContent()).toBe('50.00 USD');
    expect(await page.locator('#merchants-table b, body script').count()).toBe(0);
    const merchantBars = page.locator('#merchants-chart rect.bar');
    expect(await merchantBars.evaluateAll((rects) => rects.map((r) => r.getAttribute('data-captured')))).toEqual([
      '6100',
      '5000',
    ]);
    const widths = await merchantBars.evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().width));
    expect(widths[1] / widths[0]).toBeCloseTo(5000 / 6100, 2);
  });
});

describe('statement', () => {
  const monthOf = (d: Date) => d.toISOString().slice(0, 7);
  const parse = (csv: string) =>
    csv
      .trimEnd()
      .split('\r\n')
      .slice(1)
      .map((line) => {
        const [account, currency, kind, postedAt, entryId, entryKind, chargeId, eventId, debit, credit, balance] =
          line.split(',');
        return { account, currency, kind, postedAt, entryId, entryKind, chargeId, eventId, debit, credit, balance };
      });

  it('ties out: opening + the month’s lines = closing, which is `balances --as-of` the end of the month', async () => {
    // Some history in the month before: one charge's entries moved back a month (the ledger has no trigger).
    const now = new Date();
    const month = monthOf(now);
    const previous = monthOf(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15)));
    const shift = (sign: '-' | '+') =>
      Promise.all(
        ['ledger_entries', 'ledger_lines'].map((table) =>
          db.pool.query(
            `UPDATE ${table} SET posted_at = posted_at ${sign} interval '1 month'
              WHERE entry_id IN (SELECT entry_id FROM ledger_entries WHERE charge_id = $1)`,
            [charges.refunded],
          ),
        ),
      );
    await shift('-');
    try {
      const out = join(workDir, 'statement.csv');
      const run = await cli('statement', '--merchant', acmeId, '--month', month, '--out', out);
      expect({ code: run.code, err: run.err }).toMatchObject({ code: 0 });
      const rows = parse(readFileSync(out, 'utf8'));
      const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - 1);
      const atEnd = JSON.parse(
        (await cli('balances', '--merchant', acmeId, '--as-of', end.toISOString(), '--format', 'json')).out,
      );
      const accounts = [...new Set(rows.map((r) => `${r.account} ${r.currency}`))];
      expect(accounts.length).toBe(atEnd.balances.length);
      let withOpening = 0;
      for (const key of accounts) {
        const of = rows.filter((r) => `${r.account} ${r.currency}` === key);
        expect(of[0].kind).toBe('opening');
        expect(of[of.length - 1].kind).toBe('closing');
        const opening = Number(of[0].balance);
        if (opening !== 0) withOpening += 1;
        const lines = of.filter((r) => r.kind === 'entry');
        let running = opening;
        for (const line of lines) {
          expect(line.postedAt.slice(0, 7)).toBe(month);
          expect(line.entryId).toMatch(/^le_/);
          running += Number(line.debit) - Number(line.credit);
          expect(Number(line.balance)).toBe(running);
        }
        const closing = of[of.length - 1];
        expect(Number(closing.debit)).toBe(lines.reduce((t, l) => t + Number(l.debit), 0));
        expect(Number(closing.credit)).toBe(lines.reduce((t, l) => t + Number(l.credit), 0));
        expect(Number(closing.balance)).toBe(running);
        const [account, currency] = key.split(' ');
        const balance = atEnd.balances.find((b: Json) => b.account === account && b.currency === currency);
        expect(Number(closing.balance)).toBe(balance.balance);
      }
      // The moved charge's clearing and payable balances.
      expect(withOpening).toBeGreaterThanOrEqual(2);

      // The month before: its closing balances are this month's openings; the shifted charge's entries only.
      const before = await cli('statement', '--merchant', acmeId, '--month', previous);
      expect(before.code).toBe(0);
      const earlier = parse(before.out);
      expect(new Set(earlier.filter((r) => r.kind === 'entry').map((r) => r.chargeId))).toEqual(
        new Set([charges.refunded]),
      );
      for (const closing of earlier.filter((r) => r.kind === 'closing')) {
        const opening = rows.find(
          (r) => r.kind === 'opening' && r.account === closing.account && r.currency === closing.currency,
        );
        expect(opening?.balance).toBe(closing.balance);
      }
    } finally {
      await shift('+');
    }
    expect((await cli('statement', '--merchant', acmeId, '--month', '2001-01')).code).toBe(1);
    expect((await cli('statement', '--merchant', acmeId, '--month', '2026-13')).code).toBe(2);
    expect((await cli('statement', '--month', '2026-03')).code).toBe(2);
  });
});
