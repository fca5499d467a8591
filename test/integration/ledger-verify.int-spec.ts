/**
 * `payment-ledger verify` over real traffic (charges, captures, refunds, a chargeback through the gateway and the
 * services on real PostgreSQL and Kafka): it passes on an untouched system, and names each thing that was changed
 * behind the services' back — an event edited as the superuser with the immutability trigger off (its stream,
 * version and position), a journal line that no longer balances its entry, a read model row that is not what the log
 * gives — with exit code 1.
 */
import { randomUUID } from 'node:crypto';
import { inTransaction } from '@payment-ledger/event-store';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { cli } from '../../apps/ledger/src/cli/cli-test-io.spec-support';
import { LogCheckpointWorker } from '../../apps/ledger/src/infrastructure/log-checkpoint.worker';
import { apiClient, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;
const chargeIds: string[] = [];

const key = () => ({ 'request-idempotency-key': randomUUID() });

const paidCharge = () => stack.approvedCharge(api);

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { ledger: true }).start();
  api = apiClient(stack.baseUrl, (await stack.merchant('Acme Books')).apiKey);
  for (let i = 0; i < 3; i++) chargeIds.push(await paidCharge());
  expect((await api('POST', `/v1/payment-charges/${chargeIds[0]}/refunds`, { amount: 250 }, key())).status).toBe(201);
  const opened = await api(
    'POST',
    `/v1/payment-charges/${chargeIds[1]}/chargebacks`,
    { amount: 100, reason: 'x' },
    key(),
  );
  expect(opened.status).toBe(201);
  await stack.ledger!.get(LogCheckpointWorker).runDue();
  expect((await api('POST', `/v1/payment-charges/${chargeIds[2]}/refunds`, {}, key())).status).toBe(201);
  await stack.ledger!.get(ProjectionRunners).catchUp();
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const verify = (...args: string[]) => cli({ DATABASE_URL: db.url }, 'verify', '--quiet', ...args);

it('passes on an untouched system: the log, the ledger and every read model', async () => {
  const { code, out } = await verify();
  expect(out).not.toContain('FAIL');
  expect(out).toMatch(/^ok {3}event log: \d+ events in \d+ streams, \d+ checkpoints/m);
  expect(out).toMatch(/^ok {3}ledger entries: \d+ entries/m);
  for (const projection of ['charges.list-view', 'refunds.list-view', 'ledger.journal']) {
    expect(out).toContain(`ok   read model ${projection}`);
  }
  expect(code).toBe(0);
});

it('names an edited event, an unbalanced entry and a changed read model row, and exits 1', async () => {
  // An event of the first charge's stream, edited behind the trigger (its amount).
  const { rows } = await db.pool.query<{ global_position: string; stream_version: number }>(
    `SELECT global_position, stream_version FROM events WHERE stream_id = $1 AND event_type = 'ChargeCaptured'`,
    [`charge:${chargeIds[0]}`],
  );
  const edited = rows[0];
  await inTransaction(db.pool, async (session) => {
    await session.query('ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete');
    await session.query(`UPDATE events SET data = jsonb_set(data, '{amount}', '1') WHERE global_position = $1`, [
      edited.global_position,
    ]);
    await session.query('ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete');
  });
  // A journal line of the second charge's capture made bigger: its entry no longer balances.
  const line = (
    await db.pool.query<{ entry_id: string }>(
      `SELECT l.entry_id FROM ledger_lines l JOIN ledger_entries e USING (entry_id)
        WHERE e.charge_id = $1 AND e.kind = 'capture' AND l.credit > 0 LIMIT 1`,
      [chargeIds[1]],
    )
  ).rows[0];
  await db.pool.query(
    `UPDATE ledger_lines SET credit = credit + 5 WHERE entry_id = $1 AND line_no = (
    SELECT min(line_no) FROM ledger_lines WHERE entry_id = $1 AND credit > 0)`,
    [line.entry_id],
  );
  // The third charge's list row says it is still only captured.
  await db.pool.query(
    `UPDATE charge_list_view SET state = jsonb_set(state, '{status}', '"CAPTURED"') WHERE charge_id = $1`,
    [chargeIds[2]],
  );

  const { code, out, err } = await verify();
  expect(code).toBe(1);
  expect(err).toContain('verify found problems in');
  expect(out).toContain(
    `chain_broken: stream charge:${chargeIds[0]} version ${edited.stream_version} position ${edited.global_position}`,
  );
  expect(out).toContain(`entry ${line.entry_id}: debits`);
  // The list row changed by hand differs from the log; so does every view of the edited event's charge (the log
  // now says something else about it, which is what the event log check is for).
  const lineOf = (prefix: string) => out.split('\n').find((l) => l.trim().startsWith(prefix)) ?? '';
  expect(out).toContain('FAIL read model charges.list-view');
  expect(lineOf('charge_list_view:')).toContain(chargeIds[2]);
  expect(lineOf('charge_list_view:')).toContain(chargeIds[0]);
  expect(lineOf('ledger_lines:')).toContain(line.entry_id);
  expect(out).toContain('ok   read model refunds.list-view');

  const json = await verify('--json', '--no-read-models');
  const report = JSON.parse(json.out);
  expect(report.ok).toBe(false);
  expect(report.checks.map((c: { check: string }) => c.check)).toEqual(['event log', 'ledger entries']);
});

it('refuses an unknown projection as bad usage (exit 2)', async () => {
  const { code, err } = await verify('--projection', 'nope');
  expect(code).toBe(2);
  expect(err).toContain('no projection "nope"');
});
