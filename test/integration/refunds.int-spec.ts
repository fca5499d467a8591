/**
 * Refunds and chargebacks through the real gateway, refunds and charges services on real PostgreSQL and Kafka, with
 * the stateful Amazon Pay sandbox: the refund rule under a 50-way race, the refund window, refunds the provider
 * settles later or declines, a refund while the charges service is down, the provider step's replay after a lost
 * answer and a restart, and the charge showing each refund and chargeback from its own stream.
 */
import { randomUUID } from 'node:crypto';
import { amountTakenFromCaptured, chargeRefundsAsOf } from '@payment-ledger/contracts';
import { PostgresEventStore } from '@payment-ledger/event-store';
import { PAYMENT_METHOD_PROVIDER, type AmazonPaySandboxProvider } from '@payment-ledger/payment-methods';
import { PROVIDER_RETRY_AFTER_MS } from '../../apps/refunds/src/domain/refund-timers';
import { RefundRepository } from '../../apps/refunds/src/application/refund-repository';
import { apiClient, PaymentStack } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;
let otherApi: ReturnType<typeof apiClient>;
let apiKey: string;

/** A JSON answer's fields, read loosely (the API document checks their shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are checked field by field
type Json = any;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { env: { PROJECTION_POLL_MS: '50' } }).start();
  apiKey = (await stack.merchant('Acme Books')).apiKey;
  api = apiClient(stack.baseUrl, apiKey);
  otherApi = apiClient(stack.baseUrl, (await stack.merchant('Other Shop')).apiKey);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const provider = () => stack.refunds!.get<symbol, AmazonPaySandboxProvider>(PAYMENT_METHOD_PROVIDER);
const key = () => ({ 'request-idempotency-key': randomUUID() });

/** A charge the consumer approved: captured at once (AUTOMATIC), or waiting for a capture (MANUAL). */
const approvedCharge = (captureMethod: 'AUTOMATIC' | 'MANUAL' = 'AUTOMATIC') =>
  stack.approvedCharge(api, captureMethod);

const refund = (chargeId: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  api('POST', `/v1/payment-charges/${chargeId}/refunds`, body, { ...key(), ...headers });

const providerRefunds = async (chargeId: string) =>
  (
    await db.pool.query<{ refund_id: string; amount: string }>(
      `SELECT refund_id, amount FROM amazon_pay_sandbox_refunds WHERE charge_id = $1 AND state <> 'Declined'`,
      [chargeId],
    )
  ).rows.map((r) => ({ refundId: r.refund_id, amount: Number(r.amount) }));

const refundStream = async (chargeId: string) =>
  chargeRefundsAsOf(
    (
      await db.pool.query<{ event_type: string; schema_version: number; data: unknown }>(
        'SELECT event_type, schema_version, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
        [`refund:${chargeId}`],
      )
    ).rows.map((r) => ({ type: r.event_type, schemaVersion: r.schema_version, data: r.data })),
  );

/** The charge as GET shows it, once the charges service has recorded what `until` waits for. */
async function chargeWhen(chargeId: string, until: (charge: Json) => boolean) {
  let charge: Json;
  await waitFor(
    `charge ${chargeId} to show it`,
    async () => {
      charge = (await api('GET', `/v1/payment-charges/${chargeId}`)).body;
      return until(charge);
    },
    30_000,
  );
  return charge;
}

describe('the refund rule', () => {
  it('50 concurrent partial refunds over the captured amount: refunds up to exactly the captured amount, 409 for the rest', async () => {
    const chargeId = await approvedCharge();
    const answers = await Promise.all(Array.from({ length: 50 }, () => refund(chargeId, { amount: 40 })));
    const created = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status === 409);
    expect(created).toHaveLength(25);
    expect(refused).toHaveLength(25);
    for (const r of refused) expect(r.body.failureCode).toBe('amount_exceeds_refundable');
    expect(refused.every((r) => r.body.refundableAmount === 0)).toBe(true);
    expect(created.every((r) => r.body.status === 'SUCCEEDED')).toBe(true);
    const stream = await refundStream(chargeId);
    expect(amountTakenFromCaptured(stream)).toBe(1000);
    expect((await providerRefunds(chargeId)).reduce((t, r) => t + r.amount, 0)).toBe(1000);
    const list = await api('GET', `/v1/payment-charges/${chargeId}/refunds?limit=100`);
    expect(list.body.data).toHaveLength(25);
    const charge = await chargeWhen(chargeId, (c) => c.status === 'REFUNDED');
    expect(charge.refunds).toHaveLength(25);
    expect(charge.refunds.every((r: Json) => r.status === 'SUCCEEDED')).toBe(true);
  });

  it('50 concurrent partial refunds split across two refunds replicas: exactly the captured amount, 409 for the rest', async () => {
    // Each replica has its own per-stream queue and snapshot cache, so nothing in one process serialises the two:
    // only the refund stream's expected version (and the retry on a lost race) keeps the sum within the capture.
    // Gateways of their own, one per replica, waiting long for an answer: a busy host is slow, not wrong.
    const patient = { SERVICE_CALL_TIMEOUT_MS: '100000', GATEWAY_CONNECTION_TIMEOUT_MS: '150000' };
    const replica = await stack.startRefundsReplica(patient);
    const first = await stack.startGateway({ ...patient, REFUNDS_TCP_PORT: String(stack.ports.refunds) });
    const second = await stack.startGateway({ ...patient, REFUNDS_TCP_PORT: String(replica.port) });
    try {
      const firstApi = apiClient(first.baseUrl, apiKey);
      const secondApi = apiClient(second.baseUrl, apiKey);
      const chargeId = await approvedCharge();
      // A 503 (a busy host's gateway shedding load) is sent again with the same key, as a client would.
      const send = async (i: number, headers = key()) => {
        for (let attempt = 0; ; attempt++) {
          const answer = await (i % 2 === 0 ? firstApi : secondApi)(
            'POST',
            `/v1/payment-charges/${chargeId}/refunds`,
            { amount: 40 },
            headers,
          );
          if (answer.status !== 503 || attempt === 5) return answer;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      };
      const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => send(i)));
      // Every answer as `status failureCode|refund status`, counted: one failure message shows them all.
      const tally: Record<string, number> = {};
      for (const a of answers) {
        const what = `${a.status} ${a.body?.failureCode ?? a.body?.status}`;
        tally[what] = (tally[what] ?? 0) + 1;
      }
      expect(tally).toEqual({ '201 SUCCEEDED': 25, '409 amount_exceeds_refundable': 25 });
      // Both replicas took part in the refunds made, not only in the refusals.
      expect(answers.filter((a, i) => a.status === 201 && i % 2 === 0).length).toBeGreaterThan(0);
      expect(answers.filter((a, i) => a.status === 201 && i % 2 === 1).length).toBeGreaterThan(0);
      const stream = await refundStream(chargeId);
      expect(amountTakenFromCaptured(stream)).toBe(1000);
      expect(stream.refunds.map((r) => r.status)).toEqual(Array(25).fill('SUCCEEDED'));
      expect((await providerRefunds(chargeId)).reduce((t, r) => t + r.amount, 0)).toBe(1000);
      expect(await providerRefunds(chargeId)).toHaveLength(25);
    } finally {
      await second.app.close();
      await first.app.close();
      await replica.app.close();
    }
  });

  it('refunds the whole refundable amount by default, and says how much is left when asked for more', async () => {
    const chargeId = await approvedCharge();
    const part = await refund(chargeId, { amount: 300, reason: 'damaged', merchantRefundReference: 'RMA-1' });
    expect(part.status).toBe(201);
    expect(part.body).toMatchObject({
      paymentChargeId: chargeId,
      amount: 300,
      currency: 'USD',
      reason: 'damaged',
      merchantRefundReference: 'RMA-1',
      status: 'SUCCEEDED',
    });
    expect(part.body.id).toMatch(/^refund_/);
    const tooMuch = await refund(chargeId, { amount: 701 });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ failureCode: 'amount_exceeds_refundable', refundableAmount: 700 });
    const rest = await refund(chargeId);
    expect(rest.status).toBe(201);
    expect(rest.body.amount).toBe(700);
  });

  it('a retried request (same idempotency key) is the same refund, refunded once', async () => {
    const chargeId = await approvedCharge();
    const headers = key();
    const first = await refund(chargeId, { amount: 100 }, headers);
    const again = await refund(chargeId, { amount: 100 }, headers);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(await providerRefunds(chargeId)).toEqual([{ refundId: first.body.id, amount: 100 }]);
  });

  it('refuses a charge with nothing captured, and one past the 6-month refund window', async () => {
    const uncaptured = await approvedCharge('MANUAL');
    const refused = await refund(uncaptured, { amount: 100 });
    expect(refused.status).toBe(409);
    expect(refused.body.failureCode).toBe('charge_not_captured');
    expect(await providerRefunds(uncaptured)).toEqual([]);

    // The window runs from the last capture (6 calendar months): a day past it, the provider no longer refunds.
    const chargeId = await approvedCharge();
    stack.clock.advanceBy(184 * 24 * 3600_000);
    const late = await refund(chargeId, { amount: 100 });
    expect(late.status).toBe(409);
    expect(late.body.failureCode).toBe('refund_window_expired');
    expect(await refundStream(chargeId)).toMatchObject({ refunds: [] });
  });

  it('a capture made after the charge was last read for a refund is refundable at once', async () => {
    const chargeId = await approvedCharge('MANUAL');
    expect((await api('POST', `/v1/payment-charges/${chargeId}/captures`, { amount: 400 }, key())).status).toBe(201);
    expect((await refund(chargeId, { amount: 400 })).body.status).toBe('SUCCEEDED');
    // The refunds service last saw 400 captured; the next refund needs the capture made since.
    expect((await api('POST', `/v1/payment-charges/${chargeId}/captures`, { amount: 600 }, key())).status).toBe(201);
    const more = await refund(chargeId, { amount: 600 });
    expect(more.status).toBe(201);
    expect(more.body.status).toBe('SUCCEEDED');
    expect((await refund(chargeId, { amount: 1 })).body).toMatchObject({ refundableAmount: 0 });
  });

  it("another merchant's charge and refunds do not exist for them", async () => {
    const chargeId = await approvedCharge();
    const mine = await refund(chargeId, { amount: 100 });
    expect((await otherApi('POST', `/v1/payment-charges/${chargeId}/refunds`, { amount: 1 }, key())).status).toBe(404);
    expect((await otherApi('GET', `/v1/refunds/${mine.body.id}`)).status).toBe(404);
    expect((await otherApi('GET', `/v1/payment-charges/${chargeId}/refunds`)).status).toBe(404);
    expect((await otherApi('GET', '/v1/refunds')).body.data).toEqual([]);
  });
});

describe('the refund lifecycle', () => {
  it('a declined refund fails and releases its amount; a new attempt can take it', async () => {
    const chargeId = await approvedCharge();
    const declined = await refund(chargeId, { amount: 1000, sandbox: { simulationCode: 'RefundDeclined' } });
    expect(declined.status).toBe(201);
    expect(declined.body.status).toBe('FAILED');
    expect(declined.body.failure).toMatchObject({
      failureCode: 'refund_declined',
      providerFailureCode: 'RefundDeclined',
    });
    const retried = await refund(chargeId, { amount: 1000 });
    expect(retried.body.status).toBe('SUCCEEDED');
    const charge = await chargeWhen(chargeId, (c) => c.status === 'REFUNDED');
    expect(charge.refunds.map((r: Json) => r.status)).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('a delayed refund stays REFUND_PENDING (the charge REFUND_PROCESSING) until the timer finds it settled', async () => {
    const chargeId = await approvedCharge();
    const pending = await refund(chargeId, { amount: 400 }, { 'sandbox-simulation-code': 'RefundDelayed' });
    expect(pending.body.status).toBe('REFUND_PENDING');
    await chargeWhen(chargeId, (c) => c.status === 'REFUND_PROCESSING' && c.refunds[0]?.status === 'REFUND_PENDING');
    // Not due yet: nothing changes.
    await stack.runDueRefundTimers();
    expect((await api('GET', `/v1/refunds/${pending.body.id}`)).body.status).toBe('REFUND_PENDING');
    stack.clock.advanceBy(30_000);
    await stack.runDueRefundTimers();
    expect((await api('GET', `/v1/refunds/${pending.body.id}`)).body.status).toBe('SUCCEEDED');
    // A partial refund settled: the charge is CAPTURED again, with the refund in its history.
    const charge = await chargeWhen(chargeId, (c) => c.refunds[0]?.status === 'SUCCEEDED');
    expect(charge.status).toBe('CAPTURED');
    expect(charge.history.map((h: Json) => h.status)).toEqual(
      expect.arrayContaining(['REFUND_PROCESSING', 'CAPTURED']),
    );
  });

  it('two delayed refunds of one charge: each is checked at its own time, on the one timer of the charge', async () => {
    const chargeId = await approvedCharge();
    const first = await refund(chargeId, { amount: 100 }, { 'sandbox-simulation-code': 'RefundDelayed' });
    stack.clock.advanceBy(10_000);
    const second = await refund(chargeId, { amount: 200 }, { 'sandbox-simulation-code': 'RefundDelayed' });
    const status = async (id: string) => (await api('GET', `/v1/refunds/${id}`)).body.status;
    stack.clock.advanceBy(20_000); // the first is due, the second in 10 s
    await stack.runDueRefundTimers();
    expect([await status(first.body.id), await status(second.body.id)]).toEqual(['SUCCEEDED', 'REFUND_PENDING']);
    stack.clock.advanceBy(10_000);
    await stack.runDueRefundTimers();
    expect(await status(second.body.id)).toBe('SUCCEEDED');
  });

  it('an outcome for a refund this process has not seen (another replica took it) is recorded, not dropped', async () => {
    const chargeId = await approvedCharge();
    await refund(chargeId, { amount: 100 }); // the service now holds a snapshot of the charge's refund stream
    const store = new PostgresEventStore(db.pool);
    const [{ version }] = (
      await db.pool.query<{ version: number }>(
        'SELECT max(stream_version)::int AS version FROM events WHERE stream_id = $1',
        [`refund:${chargeId}`],
      )
    ).rows;
    const elsewhere = 'refund_01900000000070008000000000000001';
    await store.append(`refund:${chargeId}`, version, [
      {
        type: 'RefundRequested',
        schemaVersion: 1,
        data: {
          at: stack.clock.now().toISOString(),
          refundId: elsewhere,
          chargeId,
          merchantId: (await refundStream(chargeId)).merchantId,
          paymentMethod: 'AMAZON_PAY',
          amount: { value: 50, currency: 'USD' },
          reason: null,
          merchantRefundReference: null,
          simulationCode: null,
        },
        metadata: { actor: 'test:another-replica' },
      },
    ]);
    await stack.refunds!.get(RefundRepository).execute(
      chargeId,
      {
        type: 'RecordRefundOutcome',
        refundId: elsewhere,
        outcome: { status: 'SUCCEEDED', providerReference: 'P-x' },
      },
      { merchantId: null, metadata: { actor: 'test' } },
    );
    expect((await refundStream(chargeId)).refunds.find((r) => r.id === elsewhere)?.status).toBe('SUCCEEDED');
  });

  it('a refund asked while the charges service is down is taken and completed; the charge catches up when it is back', async () => {
    const chargeId = await approvedCharge();
    await stack.charges.close();
    let refunded;
    try {
      refunded = await refund(chargeId, { amount: 250 });
      expect(refunded.status).toBe(201);
      expect(refunded.body.status).toBe('SUCCEEDED');
    } finally {
      await stack.startCharges();
    }
    const charge = await chargeWhen(chargeId, (c) => c.refunds.length === 1);
    expect(charge.refunds[0]).toMatchObject({ id: refunded.body.id, amount: 250, status: 'SUCCEEDED' });
    expect(charge.status).toBe('CAPTURED');
  });

  it('an answer lost, then a crash: the retry makes the call again with the same key, one refund at the provider', async () => {
    const chargeId = await approvedCharge();
    provider().loseNextAnswers(1, ['refund']);
    const asked = await refund(chargeId, { amount: 600 });
    expect(asked.status).toBe(201);
    expect(asked.body.status).toBe('REFUND_PENDING');
    // The provider did refund; its answer was lost. The service dies before anyone asks again.
    expect(await providerRefunds(chargeId)).toEqual([{ refundId: asked.body.id, amount: 600 }]);
    await stack.restartRefunds();
    stack.clock.advanceBy(PROVIDER_RETRY_AFTER_MS);
    await stack.runDueRefundTimers();
    expect((await api('GET', `/v1/refunds/${asked.body.id}`)).body.status).toBe('SUCCEEDED');
    expect(await providerRefunds(chargeId)).toEqual([{ refundId: asked.body.id, amount: 600 }]);
    const types = (await refundStream(chargeId)).refunds.map((r) => r.status);
    expect(types).toEqual(['SUCCEEDED']);
  });

  it('a crash before the call was made: the retry makes it once, from the intent in the log', async () => {
    const chargeId = await approvedCharge();
    provider().failNextCalls(1, ['refund']);
    const asked = await refund(chargeId, { amount: 300 });
    expect(asked.body.status).toBe('REFUND_PENDING');
    expect(await providerRefunds(chargeId)).toEqual([]);
    await stack.restartRefunds();
    stack.clock.advanceBy(PROVIDER_RETRY_AFTER_MS);
    await stack.runDueRefundTimers();
    // Run again: the retry found nothing left to do.
    await stack.runDueRefundTimers();
    expect((await api('GET', `/v1/refunds/${asked.body.id}`)).body.status).toBe('SUCCEEDED');
    expect(await providerRefunds(chargeId)).toEqual([{ refundId: asked.body.id, amount: 300 }]);
  });
});

describe('finding refunds', () => {
  it('lists the merchant’s refunds newest first, by status, charge and time, page by page', async () => {
    const first = await approvedCharge();
    const second = await approvedCharge();
    const from = stack.clock.now().toISOString();
    const a = await refund(first, { amount: 100 });
    const b = await refund(second, { amount: 200, sandbox: { simulationCode: 'RefundDeclined' } });
    const c = await refund(second, { amount: 300 });
    const ofSecond = await api('GET', `/v1/refunds?paymentChargeId=${second}`);
    expect(ofSecond.body.data.map((r: Json) => r.id)).toEqual([c.body.id, b.body.id]);
    const failed = await api('GET', `/v1/refunds?status=FAILED&createdFrom=${encodeURIComponent(from)}`);
    expect(failed.body.data.map((r: Json) => r.id)).toEqual([b.body.id]);
    const page1 = await api('GET', `/v1/refunds?limit=2&createdFrom=${encodeURIComponent(from)}`);
    expect(page1.body).toMatchObject({ hasMore: true, nextCursor: b.body.id });
    const page2 = await api('GET', `/v1/refunds?limit=2&startingAfter=${page1.body.nextCursor}`);
    expect(page2.body.data[0].id).toBe(a.body.id);
    const byId = await api('GET', `/v1/refunds/${a.body.id}`);
    expect(byId.body).toEqual(a.body);
    const underCharge = await api('GET', `/v1/payment-charges/${first}/refunds/${a.body.id}`);
    expect(underCharge.body).toEqual(a.body);
    expect((await api('GET', `/v1/payment-charges/${second}/refunds/${a.body.id}`)).status).toBe(404);
  });
});

describe('chargebacks (sandbox)', () => {
  it('a chargeback takes from the refundable amount while open, gives it back when won, and shows on the charge', async () => {
    const chargeId = await approvedCharge();
    const opened = await api(
      'POST',
      `/v1/payment-charges/${chargeId}/chargebacks`,
      { amount: 700, reason: 'fraud' },
      key(),
    );
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({ paymentChargeId: chargeId, amount: 700, status: 'OPEN', reason: 'fraud' });
    const tooMuch = await refund(chargeId, { amount: 301 });
    expect(tooMuch.body).toMatchObject({ failureCode: 'amount_exceeds_refundable', refundableAmount: 300 });
    const won = await api(
      'POST',
      `/v1/payment-charges/${chargeId}/chargebacks/${opened.body.id}/resolutions`,
      { outcome: 'WON' },
      key(),
    );
    expect(won.body.status).toBe('WON');
    expect((await refund(chargeId, { amount: 1000 })).status).toBe(201);
    const charge = await chargeWhen(chargeId, (c) => c.chargebacks?.[0]?.status === 'WON' && c.status === 'REFUNDED');
    expect(charge.chargebacks[0]).toMatchObject({ id: opened.body.id, amount: 700, reason: 'fraud' });
  });

  it('refuses a chargeback on a fully refunded charge, as the provider would', async () => {
    const chargeId = await approvedCharge();
    await refund(chargeId);
    const refused = await api(
      'POST',
      `/v1/payment-charges/${chargeId}/chargebacks`,
      { amount: 1, reason: 'fraud' },
      key(),
    );
    expect(refused.status).toBe(409);
    expect(refused.body.failureCode).toBe('amount_exceeds_refundable');
  });
});
