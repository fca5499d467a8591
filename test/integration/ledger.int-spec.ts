/**
 * The ledger through the real gateway and services on real PostgreSQL and Kafka: a merchant's charges, captures,
 * voids, refunds (one the provider declines) and chargebacks post balanced journal entries that `GET /v1/balances`
 * and `GET /v1/ledger-entries` show, at an instant too, never another merchant's; processing the log again posts
 * nothing new; a rebuild from position 0 gives the same tables row for row.
 */
import { randomUUID } from 'node:crypto';
import { latestLogCheckpoint, LOG_START, PostgresEventStore } from '@payment-ledger/event-store';
import { ProjectionRunners, rebuildProjection, saveLogCheckpoint, verifyProjection } from '@payment-ledger/messaging';
import { ChargeListProjection } from '../../apps/charges/src/infrastructure/charge-list.projection';
import { LEDGER_PROJECTION, LedgerProjection } from '../../apps/ledger/src/infrastructure/ledger.projection';
import { LogCheckpointWorker } from '../../apps/ledger/src/infrastructure/log-checkpoint.worker';
import { apiClient, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are checked field by field
type Json = any;

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;
let otherApi: ReturnType<typeof apiClient>;
let merchantId: string;
const charges: Record<'refunded' | 'voided' | 'partial', string> = { refunded: '', voided: '', partial: '' };
let beforeRefunds = '';

const key = () => ({ 'request-idempotency-key': randomUUID() });

const approvedCharge = (captureMethod: 'AUTOMATIC' | 'MANUAL') => stack.approvedCharge(api, captureMethod);

const account = (purpose: string) => `merchant:${merchantId}:${purpose}`;
const balancesOf = (body: Json): Record<string, number> =>
  Object.fromEntries(body.balances.map((b: Json) => [`${b.account} ${b.currency}`, b.balance]));

async function allEntries(client = api, query = ''): Promise<Json[]> {
  const entries: Json[] = [];
  let cursor: string | null = null;
  do {
    const page: Json = await client(
      'GET',
      `/v1/ledger-entries?limit=3${query}${cursor ? `&startingAfter=${cursor}` : ''}`,
    );
    expect(page.status).toBe(200);
    entries.push(...page.body.data);
    cursor = page.body.nextCursor;
  } while (cursor);
  return entries;
}

const tableRows = async (table: string, order: string) =>
  (await db.pool.query(`SELECT * FROM ${table} ORDER BY ${order}`)).rows;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { ledger: true }).start();
  const acme = await stack.merchant('Acme Books');
  merchantId = acme.merchant.id;
  api = apiClient(stack.baseUrl, acme.apiKey);
  otherApi = apiClient(stack.baseUrl, (await stack.merchant('Other Shop')).apiKey);

  charges.refunded = await approvedCharge('AUTOMATIC');
  charges.voided = await approvedCharge('MANUAL');
  expect((await api('POST', `/v1/payment-charges/${charges.voided}/voids`, {}, key())).status).toBe(201);
  charges.partial = await approvedCharge('MANUAL');
  expect((await api('POST', `/v1/payment-charges/${charges.partial}/captures`, { amount: 600 }, key())).status).toBe(
    201,
  );
  beforeRefunds = new Date().toISOString();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const c = charges.refunded;
  expect((await api('POST', `/v1/payment-charges/${c}/refunds`, { amount: 300 }, key())).body.status).toBe('SUCCEEDED');
  const declined = await api(
    'POST',
    `/v1/payment-charges/${c}/refunds`,
    { amount: 200, sandbox: { simulationCode: 'RefundDeclined' } },
    key(),
  );
  expect(declined.body.status).toBe('FAILED');
  const opened = await api('POST', `/v1/payment-charges/${c}/chargebacks`, { amount: 100, reason: 'fraud' }, key());
  expect(opened.status).toBe(201);
  const lost = await api(
    'POST',
    `/v1/payment-charges/${c}/chargebacks/${opened.body.id}/resolutions`,
    { outcome: 'LOST' },
    key(),
  );
  expect(lost.body.status).toBe('LOST');
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

describe('balances', () => {
  it("shows the merchant's balance of each account, adding up to zero, as the charges say", async () => {
    const answer = await api('GET', '/v1/balances');
    expect(answer.status).toBe(200);
    expect(answer.body.asOf).toBeNull();
    expect(balancesOf(answer.body)).toEqual({
      'consumer:held USD': 400, // the partly captured manual charge's uncaptured 400
      [`${account('authorized')} USD`]: -400,
      // captured 1000 + 600; refunded 300; chargeback lost 100
      'provider:amazon_pay:clearing USD': 1200,
      [`${account('payable')} USD`]: -1200,
      [`${account('refunds_pending')} USD`]: 0,
      [`${account('disputed')} USD`]: 0,
    });
    expect(answer.body.balances.reduce((t: number, b: Json) => t + b.balance, 0)).toBe(0);
  });

  it('at an instant: only the entries posted by then', async () => {
    const answer = await api('GET', `/v1/balances?asOf=${encodeURIComponent(beforeRefunds)}`);
    expect(answer.body.asOf).toBe(beforeRefunds);
    expect(balancesOf(answer.body)).toMatchObject({
      'provider:amazon_pay:clearing USD': 1600,
      [`${account('payable')} USD`]: -1600,
    });
    expect(balancesOf(answer.body)).not.toHaveProperty(`${account('disputed')} USD`);
    const before = await api('GET', '/v1/balances?asOf=2000-01-01T00:00:00Z');
    expect(before.body.balances).toEqual([]);
  });

  it("never shows another merchant's balances or entries", async () => {
    expect((await otherApi('GET', '/v1/balances')).body.balances).toEqual([]);
    expect(await allEntries(otherApi)).toEqual([]);
    expect(await allEntries(otherApi, `&paymentChargeId=${charges.refunded}`)).toEqual([]);
  });

  it('refuses a malformed instant with a 400 naming it', async () => {
    const answer = await api('GET', '/v1/balances?asOf=yesterday');
    expect(answer.status).toBe(400);
    expect(answer.body.failureCode).toBeTruthy();
    expect(JSON.stringify(answer.body)).toContain('asOf');
  });
});

describe('ledger entries', () => {
  it('one balanced entry per money-moving event, newest first, each naming its event', async () => {
    const entries = await allEntries();
    const kinds = (chargeId: string) =>
      entries
        .filter((e) => e.paymentChargeId === chargeId)
        .map((e) => e.kind)
        .reverse();
    expect(kinds(charges.refunded)).toEqual([
      'authorization_hold',
      'capture',
      'refund_requested',
      'refund_succeeded',
      'refund_requested',
      'refund_failed',
      'chargeback_opened',
      'chargeback_lost',
    ]);
    expect(kinds(charges.voided)).toEqual(['authorization_hold', 'void_release']);
    expect(kinds(charges.partial)).toEqual(['authorization_hold', 'capture']);
    for (const entry of entries) {
      const debits = entry.lines.reduce((t: number, l: Json) => t + l.debit, 0);
      const credits = entry.lines.reduce((t: number, l: Json) => t + l.credit, 0);
      expect(debits).toBe(credits);
      expect(entry.id).toBe(`le_${entry.eventId.slice('evt_'.length)}`);
      const event = await db.pool.query('SELECT event_type FROM events WHERE event_id = $1', [entry.eventId]);
      expect(event.rows[0].event_type).toBe(entry.eventType);
    }
    const ids = entries.map((e) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
    const failed = entries.find((e) => e.kind === 'refund_failed');
    const request = entries.find((e) => e.id === failed.reversesEntryId);
    expect(request).toMatchObject({ kind: 'refund_requested', paymentChargeId: charges.refunded });
    expect(request.lines.find((l: Json) => l.debit > 0).account).toBe(account('payable'));
  });

  it('filters by charge, account and time', async () => {
    const ofVoided = await allEntries(api, `&paymentChargeId=${charges.voided}`);
    expect(ofVoided.map((e) => e.kind)).toEqual(['void_release', 'authorization_hold']);
    const disputed = await allEntries(api, `&account=${encodeURIComponent(account('disputed'))}`);
    expect(disputed.map((e) => e.kind)).toEqual(['chargeback_lost', 'chargeback_opened']);
    const later = await allEntries(api, `&postedFrom=${encodeURIComponent(beforeRefunds)}`);
    expect(later.map((e) => e.kind).sort()).toEqual(
      [
        'refund_requested',
        'refund_succeeded',
        'refund_requested',
        'refund_failed',
        'chargeback_opened',
        'chargeback_lost',
      ].sort(),
    );
    const earlier = await allEntries(api, `&postedTo=${encodeURIComponent(beforeRefunds)}`);
    expect(earlier).toHaveLength(6);
    const bad = await api('GET', '/v1/ledger-entries?account=DROP%20TABLE');
    expect(bad.status).toBe(400);
    expect(bad.body.failureCode).toBeTruthy();
  });
});

describe('posting once, rebuilding', () => {
  it('processing the whole log again posts nothing new', async () => {
    const runners = stack.ledger!.get(ProjectionRunners);
    await runners.catchUp();
    const before = {
      entries: await tableRows('ledger_entries', 'entry_id'),
      lines: await tableRows('ledger_lines', 'entry_id, line_no'),
      postings: await tableRows('ledger_charge_postings', 'charge_id'),
    };
    expect(before.entries.length).toBeGreaterThan(10);
    const session = await db.pool.connect();
    try {
      await saveLogCheckpoint(session, LEDGER_PROJECTION, LOG_START);
    } finally {
      session.release();
    }
    expect(await runners.catchUp()).toBeGreaterThan(0);
    expect(await tableRows('ledger_entries', 'entry_id')).toEqual(before.entries);
    expect(await tableRows('ledger_lines', 'entry_id, line_no')).toEqual(before.lines);
    expect(await tableRows('ledger_charge_postings', 'charge_id')).toEqual(before.postings);
  });

  it('a rebuild from position 0 fills fresh tables equal to the live ones, row for row, and swaps them in', async () => {
    const runners = stack.ledger!.get(ProjectionRunners);
    await runners.catchUp();
    const live = {
      entries: await tableRows('ledger_entries', 'entry_id'),
      lines: await tableRows('ledger_lines', 'entry_id, line_no'),
      postings: await tableRows('ledger_charge_postings', 'charge_id'),
    };
    // As the owner (the migration role): the swap drops and renames tables.
    const result = await rebuildProjection(db.pool, new PostgresEventStore(db.pool), new LedgerProjection());
    expect(result.tables).toEqual(['ledger_entries', 'ledger_lines', 'ledger_charge_postings']);
    expect(await tableRows('ledger_entries', 'entry_id')).toEqual(live.entries);
    expect(await tableRows('ledger_lines', 'entry_id, line_no')).toEqual(live.lines);
    expect(await tableRows('ledger_charge_postings', 'charge_id')).toEqual(live.postings);
    // The service keeps working on the swapped-in tables (its grants came along).
    const another = await approvedCharge('AUTOMATIC');
    const entries = await allEntries(api, `&paymentChargeId=${another}`);
    expect(entries.map((e) => e.kind)).toEqual(['capture', 'authorization_hold']);
  });
});

describe('verifying read models against the log', () => {
  it('finds nothing on untouched tables, and names the rows of a changed ledger line and a changed charge list row', async () => {
    const store = new PostgresEventStore(db.pool);
    const ledger = new LedgerProjection();
    const chargeList = new ChargeListProjection(store);
    expect((await verifyProjection(db.pool, store, ledger)).differences).toEqual([]);
    expect((await verifyProjection(db.pool, store, chargeList)).differences).toEqual([]);

    const line = (await db.pool.query(`SELECT entry_id FROM ledger_lines WHERE debit > 0 LIMIT 1`)).rows[0];
    await db.pool.query(`UPDATE ledger_lines SET debit = debit + 1 WHERE entry_id = $1 AND debit > 0`, [line.entry_id]);
    await db.pool.query(`UPDATE charge_list_view SET status = 'CAPTURED' WHERE charge_id = $1`, [charges.voided]);
    try {
      const ledgerCheck = await verifyProjection(db.pool, store, ledger);
      expect(ledgerCheck.differences).toEqual([
        {
          table: 'ledger_lines',
          unexpected: 1,
          missing: 1,
          unexpectedKeys: [line.entry_id],
          missingKeys: [line.entry_id],
        },
      ]);
      const listCheck = await verifyProjection(db.pool, store, chargeList);
      expect(listCheck.differences).toMatchObject([
        { table: 'charge_list_view', unexpected: 1, missing: 1, unexpectedKeys: [charges.voided] },
      ]);
      // The copies are gone.
      const copies = await db.pool.query(`SELECT relname FROM pg_class WHERE relname LIKE '%\\_verify\\_%'`);
      expect(copies.rows).toEqual([]);
    } finally {
      await db.pool.query(`UPDATE ledger_lines SET debit = debit - 1 WHERE entry_id = $1 AND debit > 0`, [
        line.entry_id,
      ]);
    }
  });
});

describe('log checkpoints', () => {
  it('the ledger service writes a checkpoint of the log when its timer is due, then not again until the interval passed', async () => {
    const before = await latestLogCheckpoint(db.pool);
    const worker = stack.ledger!.get(LogCheckpointWorker);
    expect(await worker.runDue()).toBe(1);
    const written = await latestLogCheckpoint(db.pool);
    expect(written!.checkpointNumber).toBeGreaterThan(before!.checkpointNumber);
    expect(written!.eventCount).toBeGreaterThan(0);
    expect(await worker.runDue()).toBe(0);
  });
});
