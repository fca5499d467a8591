/**
 * Recurring billing end to end inside the services (real PostgreSQL and Kafka): agreements activate, the scheduler
 * builds their schedules from agreement events, charges each due period exactly once through the agreements and
 * charges services — with two replicas, across a crash between recording and charging — and runs dunning.
 */
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { ScheduleStore } from '../../apps/scheduler/src/application/schedule-store';
import { awaitingOutcome, exists } from '../../apps/scheduler/src/domain/billing-schedule.decider';
import { apiClient, PaymentStack, SEED_001_AGREEMENT } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;

const DAY = 24 * 3600 * 1000;
const MONTHLY = { type: 'MONTHLY', interval: 1 };

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
  api = apiClient(stack.baseUrl, (await stack.merchant('Acme Subscriptions')).apiKey);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

/** A monthly EXACT agreement starting now, consented to, with its schedule started from the agreement events. */
async function monthlyAgreement(extra: Record<string, unknown> = {}) {
  const response = await api('POST', '/v1/payment-agreements', {
    ...SEED_001_AGREEMENT,
    initialPaymentCharge: undefined,
    startDate: stack.clock.now().toISOString(),
    frequency: MONTHLY,
    amount: { value: 1500, currency: 'USD' },
    amountType: 'EXACT',
    ...extra,
  });
  expect(response.status).toBe(201);
  const agreement = response.body;
  const token = new URL(agreement.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
  await stack.agreements
    .get(CompleteAgreementCheckoutHandler)
    .complete({ agreementId: agreement.id, token, decision: 'APPROVE', correlationId: 't' });
  const schedules = stack.schedulers[0].get(ScheduleStore);
  await waitFor('the schedule to start', async () => exists((await schedules.load(agreement.id)).state));
  return agreement;
}

async function chargesOf(agreementId: string): Promise<{ charge_id: string; status: string }[]> {
  const { rows } = await db.pool.query(
    `SELECT e.stream_id AS charge_id,
            (SELECT c.event_type FROM events c WHERE c.stream_id = e.stream_id ORDER BY c.stream_version DESC LIMIT 1) AS status
       FROM events e WHERE e.event_type = 'ChargeCreated' AND e.data->>'agreementId' = $1`,
    [agreementId],
  );
  return rows;
}

async function scheduleEvents(agreementId: string, type: string): Promise<{ periodIndex: number; attempt?: number }[]> {
  const { rows } = await db.pool.query(
    'SELECT data FROM events WHERE stream_id = $1 AND event_type = $2 ORDER BY stream_version',
    [`billing-schedule:${agreementId}`, type],
  );
  return rows.map((r) => r.data);
}

it('a monthly agreement advanced 12 months produces exactly 12 captured charges, one per period', async () => {
  const agreement = await monthlyAgreement();
  for (let month = 0; month < 12; month++) {
    stack.clock.advanceBy(month === 0 ? 0 : 31 * DAY);
    await stack.runDueBilling();
  }
  // 11 × 31 days covers periods 0..11 (the 12th month boundary is not reached).
  const charges = await chargesOf(agreement.id);
  expect(charges).toHaveLength(12);
  expect(charges.every((c) => c.status === 'ChargeCaptured')).toBe(true);
  const paid = await scheduleEvents(agreement.id, 'BillingPeriodPaid');
  expect(paid.map((p) => p.periodIndex).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const listed = (await api('GET', `/v1/payment-charges?agreementId=${agreement.id}&limit=100`)).body;
  await waitFor('the charge list to show all 12', async () => {
    const list = (await api('GET', `/v1/payment-charges?agreementId=${agreement.id}&limit=100`)).body;
    return list.data.length === 12;
  });
  expect(listed.data.every((c: { amount: { value: number } }) => c.amount.value === 1500)).toBe(true);
});

it('after a paid period the schedule next wakes for the next period, not for a resend of the paid charge', async () => {
  const agreement = await monthlyAgreement();
  await stack.runDueBilling();
  expect(await chargesOf(agreement.id)).toEqual([expect.objectContaining({ status: 'ChargeCaptured' })]);
  const { rows } = await db.pool.query(
    `SELECT due_at AS wake_at, lease_until FROM timers WHERE queue = 'billing-schedules' AND key = $1`,
    [agreement.id],
  );
  const nextPeriod = new Date(stack.clock.now());
  nextPeriod.setUTCMonth(nextPeriod.getUTCMonth() + 1);
  expect(rows).toEqual([{ wake_at: nextPeriod, lease_until: null }]);
});

it('two scheduler replicas running together still charge each period once', async () => {
  await stack.startScheduler();
  const agreement = await monthlyAgreement();
  stack.clock.advanceBy(5 * 31 * DAY);
  await Promise.all([stack.runDueBilling(), stack.runDueBilling(), stack.runDueBilling()]);
  const charges = await chargesOf(agreement.id);
  const requested = await scheduleEvents(agreement.id, 'BillingPeriodChargeRequested');
  expect(new Set(requested.map((r) => r.periodIndex)).size).toBe(requested.length);
  expect(charges).toHaveLength(requested.length);
  expect(charges.length).toBe(6); // periods 0..5
});

it('a crash between recording a due period and charging it still gives exactly one charge for that period', async () => {
  const agreement = await monthlyAgreement();
  const schedules = stack.schedulers[0].get(ScheduleStore);
  stack.clock.advanceBy(1000);
  // The first half of a run: the period's charge is decided and recorded; the process "dies" before asking for it.
  const { state } = await schedules.execute(agreement.id, { type: 'RunDueBilling' }, 'crash-test');
  const recorded = awaitingOutcome(state);
  expect(recorded.map((p) => p.index)).toEqual([0]);
  expect(await chargesOf(agreement.id)).toHaveLength(0);
  await stack.restartScheduler();

  await stack.runDueBilling(); // before the resend delay: nothing is asked twice or anew
  expect(await chargesOf(agreement.id)).toHaveLength(0);
  stack.clock.advanceBy(30_000);
  await stack.runDueBilling();
  await stack.runDueBilling();
  const charges = await chargesOf(agreement.id);
  expect(charges).toEqual([{ charge_id: `charge:${recorded[0].chargeId}`, status: 'ChargeCaptured' }]);
  expect(await scheduleEvents(agreement.id, 'BillingPeriodChargeRequested')).toHaveLength(1);
});

it('dunning: a SoftDeclined period is retried after 1 day and then paid', async () => {
  const agreement = await monthlyAgreement({ sandbox: { simulationCode: 'SoftDeclined' } });
  stack.clock.advanceBy(1000);
  await stack.runDueBilling();
  const retry = await scheduleEvents(agreement.id, 'BillingPeriodRetryScheduled');
  expect(retry).toMatchObject([{ periodIndex: 0, nextAttempt: 1 }]);
  stack.clock.advanceBy(DAY - 5000);
  await stack.runDueBilling();
  expect(await scheduleEvents(agreement.id, 'BillingPeriodPaid')).toHaveLength(0);
  stack.clock.advanceBy(5000);
  await stack.runDueBilling();
  expect(await scheduleEvents(agreement.id, 'BillingPeriodPaid')).toMatchObject([{ periodIndex: 0 }]);
  const statuses = (await chargesOf(agreement.id)).map((c) => c.status).sort();
  expect(statuses).toEqual(['ChargeAuthorizationDeclined', 'ChargeCaptured']);
});

it('HardDeclined stops retries and marks the agreement PAST_DUE', async () => {
  const agreement = await monthlyAgreement({ sandbox: { simulationCode: 'HardDeclined' } });
  stack.clock.advanceBy(1000);
  await stack.runDueBilling();
  expect(await scheduleEvents(agreement.id, 'BillingScheduleNeedsConsumer')).toMatchObject([{ periodIndex: 0 }]);
  expect((await api('GET', `/v1/payment-agreements/${agreement.id}`)).body.status).toBe('PAST_DUE');
  stack.clock.advanceBy(40 * DAY);
  await stack.runDueBilling();
  expect(await chargesOf(agreement.id)).toHaveLength(1);
});

it('revocation stops future periods and pending retries', async () => {
  const agreement = await monthlyAgreement({ sandbox: { simulationCode: 'SoftDeclined' } });
  stack.clock.advanceBy(1000);
  await stack.runDueBilling();
  expect(await scheduleEvents(agreement.id, 'BillingPeriodRetryScheduled')).toHaveLength(1);
  await api('POST', `/v1/payment-agreements/${agreement.id}/revocations`, {});
  await waitFor(
    'the schedule to stop',
    async () => (await scheduleEvents(agreement.id, 'BillingScheduleStopped')).length === 1,
  );
  stack.clock.advanceBy(90 * DAY);
  await stack.runDueBilling();
  expect(await chargesOf(agreement.id)).toHaveLength(1);
});

it('the sandbox test clock advances one agreement by months through the API; the worker runs what came due', async () => {
  const agreement = await monthlyAgreement();
  const bystander = await monthlyAgreement();
  const wakeUpOf = async (agreementId: string) =>
    (await db.pool.query(`SELECT due_at FROM timers WHERE queue = 'billing-schedules' AND key = $1`, [agreementId]))
      .rows[0]?.due_at;
  const bystanderWakeUp = await wakeUpOf(bystander.id);
  const advanced = await api('POST', `/v1/payment-agreements/${agreement.id}/test-clock/advances`, {
    seconds: 3 * 31 * 24 * 3600,
  });
  expect(advanced.status).toBe(201);
  expect(Date.parse(advanced.body.frozenTime)).toBe(stack.clock.now().getTime() + 3 * 31 * DAY);
  // The request ran nothing: it recorded the offset and made this agreement's wake-up due, and no other.
  expect(await chargesOf(agreement.id)).toHaveLength(0);
  expect(await wakeUpOf(bystander.id)).toEqual(bystanderWakeUp);
  await stack.runDueBilling();
  expect(await chargesOf(agreement.id)).toHaveLength(4); // periods 0..3
  expect(await chargesOf(bystander.id)).toHaveLength(1); // period 0 only: due by the service clock anyway
  // The total offset is capped (10 years by default): beyond it, a 400 and nothing moves.
  const tooFar = await api('POST', `/v1/payment-agreements/${agreement.id}/test-clock/advances`, {
    seconds: 10 * 366 * 24 * 3600,
  });
  expect(tooFar.status).toBe(400);
  expect(tooFar.body).toMatchObject({ failureCode: 'test_clock_limit_exceeded' });
  const live = apiClient(stack.baseUrl, (await stack.merchant('Live Co', 'LIVE')).apiKey);
  expect(
    (await live('POST', `/v1/payment-agreements/${agreement.id}/test-clock/advances`, { seconds: 60 })).status,
  ).toBe(403);
});
