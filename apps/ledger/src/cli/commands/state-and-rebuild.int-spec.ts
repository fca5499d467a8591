/**
 * `state` and `rebuild` after real traffic: charges, a capture, refunds and an agreement made through the gateway and
 * the services' own code paths (the in-process PaymentStack, real PostgreSQL and Kafka). `state` prints what `GET`
 * showed at each instant; `rebuild` gives back the live list views row for row.
 */
import { randomUUID } from 'node:crypto';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { CompleteCheckoutHandler } from '../../../../charges/src/application/complete-checkout.handler';
import {
  apiClient,
  PaymentStack,
  SEED_001_AGREEMENT,
  SEED_001_CHARGE,
} from '../../../../../test/support/payment-stack';
import { TestDatabase } from '../../../../../test/support/test-database';
import { waitFor } from '../../../../../test/support/wait';
import { cli } from '../cli-test-io.spec-support';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers, compared whole
type Json = any;

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;
let env: Record<string, string>;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { env: { PROJECTION_POLL_MS: '50' } }).start();
  api = apiClient(stack.baseUrl, (await stack.merchant('Acme Books')).apiKey);
  // The tables' owner, as a rebuild needs (it drops and renames tables).
  env = { DATABASE_URL: db.url };
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const key = () => ({ 'request-idempotency-key': randomUUID() });
const pause = () => new Promise((resolve) => setTimeout(resolve, 30));

/** A charge the consumer approved: captured at once (AUTOMATIC) or waiting for its capture (MANUAL). */
async function approvedCharge(captureMethod: 'AUTOMATIC' | 'MANUAL'): Promise<string> {
  const created = await api('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, captureMethod }, key());
  expect(created.status).toBe(201);
  const token = new URL(created.body.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
  await stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: created.body.id, token, decision: 'APPROVE', correlationId: 'test' });
  return created.body.id as string;
}

const get = async (path: string): Promise<Json> => {
  const response = await api('GET', path);
  expect(response.status).toBe(200);
  return response.body;
};

const state = async (...argv: string[]) => {
  const { code, out, err } = await cli(env, 'state', ...argv);
  return { code, err, object: code === 0 ? (JSON.parse(out) as Json) : undefined };
};

describe('state', () => {
  it('a charge before and after its capture: what GET showed then', async () => {
    const chargeId = await approvedCharge('MANUAL');
    const beforeCaptureGet = await get(`/v1/payment-charges/${chargeId}`);
    expect(beforeCaptureGet.status).toBe('CAPTURE_PENDING');
    await pause();
    const beforeCapture = new Date();
    await pause();
    expect((await api('POST', `/v1/payment-charges/${chargeId}/captures`, { amount: 1000 }, key())).status).toBe(201);
    const afterCaptureGet = await get(`/v1/payment-charges/${chargeId}`);
    expect(afterCaptureGet.status).toBe('CAPTURED');

    const then = await state(chargeId, '--as-of', beforeCapture.toISOString());
    expect(then.code).toBe(0);
    expect(then.object).toEqual(beforeCaptureGet);
    expect(then.err).toMatch(
      new RegExp(`^${chargeId} as of .*: charge:${chargeId} folded to version \\d+ of \\d+\\n$`),
    );
    expect((await state(chargeId)).object).toEqual(afterCaptureGet);

    // --version: the charge as its first event left it.
    const first = await state(chargeId, '--version', '1');
    expect([first.object.status, first.object.history.length]).toEqual(['AUTHENTICATION_PENDING', 1]);
    // Before its first event, the charge did not exist: exit 1.
    const before = await state(chargeId, '--as-of', '2000-01-01T00:00:00Z');
    expect([before.code, before.err]).toEqual([1, expect.stringMatching(/did not exist yet at that point/)]);
  });

  it('a refund (found through the refunds list view, or given its charge) and an agreement', async () => {
    const chargeId = await approvedCharge('AUTOMATIC');
    const refund = await api('POST', `/v1/payment-charges/${chargeId}/refunds`, { amount: 300 }, key());
    expect(refund.status).toBe(201);
    const refundGet = await get(`/v1/refunds/${refund.body.id}`);
    expect((await state(refund.body.id)).object).toEqual(refundGet);
    expect((await state(refund.body.id, '--charge', chargeId)).object).toEqual(refundGet);

    const agreement = await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT, key());
    expect(agreement.status).toBe(201);
    expect((await state(agreement.body.id)).object).toEqual(await get(`/v1/payment-agreements/${agreement.body.id}`));
  });

  it('an unknown id exits 1; what is not a charge, agreement or refund id exits 2', async () => {
    const unknown = await state(`charge_${'0'.repeat(32)}`);
    expect([unknown.code, unknown.err]).toEqual([
      1,
      `no payment charge charge_${'0'.repeat(32)}: the event log has no events of it\n`,
    ]);
    expect((await state(`refund_${'0'.repeat(32)}`)).code).toBe(1);
    expect((await state('mch_123')).code).toBe(2);
    expect((await state('charge_x', '--as-of', 'tomorrow')).code).toBe(2);
  });
});

describe('rebuild', () => {
  /** A list view's rows, in key order, every column. */
  const tableRows = async (table: string, key: string) =>
    (await db.pool.query(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;

  it('rebuilds the charges, refunds and agreements list views from the log: row for row what the live ones had', async () => {
    for (let i = 0; i < 3; i++) {
      const chargeId = await approvedCharge(i % 2 === 0 ? 'AUTOMATIC' : 'MANUAL');
      if (i % 2 === 0) {
        expect((await api('POST', `/v1/payment-charges/${chargeId}/refunds`, { amount: 100 }, key())).status).toBe(201);
        // The charge records its refund's progress from the refunds service's events (over Kafka): traffic is
        // over when it has.
        await waitFor(
          `${chargeId} records its refund`,
          async () => (await get(`/v1/payment-charges/${chargeId}`)).refunds[0]?.status === 'SUCCEEDED',
          30_000,
        );
      } else {
        expect((await api('POST', `/v1/payment-charges/${chargeId}/voids`, {}, key())).status).toBe(201);
      }
    }
    // The live views have caught up with every event committed (read-your-writes, as the lists wait).
    for (const [service, projection] of [
      [stack.charges, 'charges.list-view'],
      [stack.refunds!, 'refunds.list-view'],
      [stack.agreements, 'agreements.list-view'],
    ] as const) {
      await waitFor(projection, () => service.get(ProjectionRunners).catchUpWithCommitted(projection, 2_000), 30_000);
    }
    const views = [
      ['charges.list-view', 'charge_list_view', 'charge_id'],
      ['refunds.list-view', 'refund_list_view', 'refund_id'],
      ['agreements.list-view', 'agreement_list_view', 'agreement_id'],
    ] as const;
    for (const [projection, table, key] of views) {
      const live = await tableRows(table, key);
      expect(live.length).toBeGreaterThan(0);
      // A damaged row: the rebuild, made from the log alone, does not copy it.
      await db.pool.query(`UPDATE ${table} SET status = 'DAMAGED' WHERE ${key} = $1`, [live[0][key]]);
      const { code, out, err } = await cli(env, '--progress', 'rebuild', projection, '--batch-size', '7');
      expect(code).toBe(0);
      const result = JSON.parse(out) as Json;
      expect(result).toMatchObject({ projection, table, rebuiltAs: `${table}_rebuild_1`, tables: [table] });
      expect(result.events).toBeGreaterThan(0);
      expect(err).toMatch(new RegExp(`rebuild ${projection}  \\[#+\\]  ${result.events}/${result.events}  100%`));
      expect(await tableRows(table, key)).toEqual(live);
    }
  });

  it('an unknown projection is exit 2, naming those there are', async () => {
    const { code, err } = await cli(env, 'rebuild', 'ledger.nothing');
    expect(code).toBe(2);
    expect(err).toContain('no projection "ledger.nothing"; rebuildable: charges.list-view, agreements.list-view');
  });
});
