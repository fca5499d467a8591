/**
 * A recurring Amazon Pay agreement as a merchant and a consumer live it. The charges, agreements, scheduler,
 * gateway and sandbox-page services run as their own processes (as deployed); the merchant calls the API over HTTP,
 * the consumer consents on the hosted page in headless chromium (Debian's, driven by playwright-core) and lands on
 * the merchant's return page, a small HTTP server of this test. Then the merchant charges the saved payment method,
 * the sandbox test clock makes a billing period due (the scheduler charges it), and the merchant revokes.
 */
import type { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';
import {
  browserSuite,
  e2eServiceEnv,
  freePorts,
  PHONE,
  type ReturnPage,
  serviceAddresses,
  ServiceGroup,
  startGatewayAndSandbox,
} from '../support/e2e-harness';
import { apiClient } from '../support/api-client';
import { metricNamesOf, sampleOf, scrape } from '../support/metrics';
import { monitoredMetricNames, SCRAPE_METRICS } from '../support/monitoring';

const MERCHANT_NAME = 'Acme Streaming & Co.';
const DAY_SECONDS = 24 * 3600;

let gatewayUrl: string;
let sandboxOrigin: string;
let returnOrigin: string;
const services = new ServiceGroup();
const CONSUMER = { name: 'John Smith', country: 'US' };
/** A test whose failure comes with the services' output. */
const e2e = services.test.bind(services);
/** What the merchant's return page was called with, in order. */
let returns: ReturnPage['returns'] = [];
/** Each service's ops port (`/metrics`, set for each so the test knows where to scrape). */
const opsPorts: Record<string, number> = {};

async function startServices(db: TestDatabase): Promise<void> {
  const [chargesPort, agreementsPort, schedulerPort, gatewayPort, sandboxPort, ...ops] = await freePorts(10);
  ['charges', 'agreements', 'scheduler', 'gateway', 'sandbox'].forEach((name, i) => (opsPorts[name] = ops[i]));
  sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  // Every port is named for every service, so nothing falls back to a default another run may be using.
  const shared = {
    ...e2eServiceEnv(db),
    SANDBOX_PUBLIC_URL: sandboxOrigin,
    ...serviceAddresses({ charges: chargesPort, agreements: agreementsPort, scheduler: schedulerPort }),
    CHARGES_OPS_PORT: String(opsPorts.charges),
    AGREEMENTS_OPS_PORT: String(opsPorts.agreements),
    SCHEDULER_OPS_PORT: String(opsPorts.scheduler),
    GATEWAY_OPS_PORT: String(opsPorts.gateway),
    SANDBOX_OPS_PORT: String(opsPorts.sandbox),
  };
  const start = async (name: string, entry: string, env: Record<string, string> = {}) => {
    await services.start(name, entry, { ...shared, ...env });
  };
  // Agreements call charges, the scheduler calls agreements, the gateway and the sandbox page call all of them.
  await start('charges', 'apps/charges/src/main.ts');
  await start('agreements', 'apps/agreements/src/main.ts');
  await start('scheduler', 'apps/scheduler/src/main.ts', { SCHEDULER_POLL_MS: '1000' });
  await Promise.all(startGatewayAndSandbox(services, shared, { gateway: gatewayPort, sandbox: sandboxPort }));
}

const suite = browserSuite({
  services,
  merchantName: MERCHANT_NAME,
  consumerName: CONSUMER.name,
  returnPageHtml: '<!doctype html><title>Acme Streaming</title><h1>Your subscription is active</h1>',
  start: async ({ db, returnPage }) => {
    returnOrigin = returnPage.origin;
    returns = returnPage.returns;
    await startServices(db);
  },
});

/** The merchant's calls, each answer checked against the API document (test/support/api-client.ts). */
const api = (method: string, path: string, body?: unknown) => apiClient(gatewayUrl, suite.apiKey)(method, path, body);

/** Fails with the response body when the status is not the expected one (a bare status says too little). */
function expectStatus(response: { status: number; body: unknown }, status: number): void {
  if (response.status !== status) {
    throw new Error(`expected HTTP ${status}, got ${response.status}: ${JSON.stringify(response.body)}`);
  }
}

/** The charges listed under an agreement (a read model kept from the event log: it may lag a poll behind). */
async function listedCharges(agreementId: string): Promise<{ id: string; status: string }[]> {
  const response = await api('GET', `/v1/payment-charges?agreementId=${agreementId}&limit=100`);
  expectStatus(response, 200);
  return response.body.data;
}

e2e(
  'a consumer consents on a phone; initial, merchant and scheduled charges are CAPTURED; revocation stops charges',
  async () => {
    const returnUrl = `${returnOrigin}/return`;
    const created = await api('POST', '/v1/payment-agreements', {
      paymentMethod: 'AMAZON_PAY',
      startDate: new Date().toISOString(),
      consumer: CONSUMER,
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }],
      initialPaymentCharge: { amount: { value: 1000, currency: 'USD' } },
      frequency: { type: 'MONTHLY', interval: 1 },
      amount: { value: 1500, currency: 'USD' },
      // MAX, not EXACT: the agreements service holds the initial charge to the agreed amount too (EXACT 1500 with an
      // initial 10.00 USD is refused, 400 amount_must_equal_agreed_amount), and the consent page shows 10.00 USD.
      amountType: 'MAX',
    });
    expectStatus(created, 201);
    const agreement = created.body;
    expect(agreement.id).toMatch(/^agr_[0-9a-f]{32}$/);
    expect(agreement.status).toBe('AUTHENTICATION_PENDING');
    expect(agreement.initialPaymentChargeId).toMatch(/^charge_/);
    const requestUrl: string = agreement.authenticationMethods[0].details.requestUrl;
    services.mustNotLog('hosted-page token', new URL(requestUrl).searchParams.get('token') ?? '');
    expect(new URL(requestUrl).origin).toBe(sandboxOrigin);

    // The consumer's side: the consent page on a phone, then back to the merchant.
    const { page } = suite;
    const shown = await page.goto(requestUrl);
    expect(shown?.status()).toBe(200);
    expect(page.viewportSize()).toEqual(PHONE);
    expect(await page.getByTestId('merchant').textContent()).toBe(MERCHANT_NAME);
    expect(await page.getByTestId('consent').textContent()).toContain('saved for future purchases');
    expect(await page.getByTestId('amount').textContent()).toBe('10.00 USD');
    const agree = page.getByRole('button', { name: 'Agree and continue' });
    expect(await agree.isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Cancel and return to merchant' }).isVisible()).toBe(true);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);
    await agree.click();
    await page.waitForURL((url) => url.origin === returnOrigin && url.pathname === '/return');
    expect(await page.getByRole('heading').textContent()).toBe('Your subscription is active');
    expect(new URL(page.url()).searchParams.get('paymentAgreementId')).toBe(agreement.id);
    expect(returns.at(-1)?.path).toBe('/return');
    expect(returns.at(-1)?.query.get('paymentAgreementId')).toBe(agreement.id);

    const active = await api('GET', `/v1/payment-agreements/${agreement.id}`);
    expect(active.status).toBe(200);
    expect(active.body.status).toBe('ACTIVE');
    expect(active.body.history.map((h: { status: string }) => h.status)).toEqual(['AUTHENTICATION_PENDING', 'ACTIVE']);
    const initial = await api('GET', `/v1/payment-charges/${agreement.initialPaymentChargeId}`);
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({
      status: 'CAPTURED',
      agreementId: agreement.id,
      amount: { value: 1000, currency: 'USD' },
      captures: [{ amount: 1000, status: 'CAPTURED' }],
    });

    // The merchant charges the saved payment method without the consumer.
    const merchantCharge = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {
      amount: { value: 1500, currency: 'USD' },
    });
    expect(merchantCharge).toMatchObject({
      status: 201,
      body: { status: 'CAPTURED', agreementId: agreement.id, amount: { value: 1500, currency: 'USD' } },
    });

    // The scheduler learns about the agreement from Kafka: until then its test clock is not found.
    const advance = () =>
      api('POST', `/v1/payment-agreements/${agreement.id}/test-clock/advances`, { seconds: 31 * DAY_SECONDS });
    let advanced: Awaited<ReturnType<typeof api>> | undefined;
    await waitFor(
      'the scheduler to know the agreement',
      async () => {
        const response = await advance();
        if (response.status === 404 && response.body?.failureCode === 'billing_schedule_not_found') return false;
        advanced = response;
        return true;
      },
      30_000,
    );
    if (!advanced) throw new Error('the test clock did not answer');
    expectStatus(advanced, 201);
    expect(Date.parse(advanced.body.frozenTime)).toBeGreaterThan(Date.now() + 30 * DAY_SECONDS * 1000);

    // Period 0 was paid by the initial charge, so exactly one scheduled charge (period 1), and it is CAPTURED.
    const known = new Set([agreement.initialPaymentChargeId, merchantCharge.body.id]);
    let charges: { id: string; status: string }[] = [];
    await waitFor(
      'the scheduled charge to be listed as CAPTURED',
      async () => {
        charges = await listedCharges(agreement.id);
        return charges.some((c) => !known.has(c.id) && c.status === 'CAPTURED');
      },
      30_000,
    ).catch(async (error: unknown) => {
      // What the scheduler and the charges service had recorded, so a failure can be read without rerunning.
      const recorded = await suite.db.pool.query(
        `SELECT stream_id, stream_version, event_type, recorded_at FROM events
          WHERE stream_id = $1 OR (stream_id LIKE 'charge:%' AND metadata->>'agreementId' = $2)
          ORDER BY global_position`,
        [`billing-schedule:${agreement.id}`, agreement.id],
      );
      const timers = await suite.db.pool.query('SELECT * FROM timers WHERE key = $1', [agreement.id]);
      const clocks = await suite.db.pool.query('SELECT * FROM scheduler_test_clocks WHERE agreement_id = $1', [
        agreement.id,
      ]);
      console.error(
        JSON.stringify({ charges, events: recorded.rows, timers: timers.rows, clocks: clocks.rows }, null, 1),
      );
      throw error;
    });
    const scheduled = charges.filter((c) => !known.has(c.id));
    expect(scheduled).toHaveLength(1);
    const scheduledCharge = await api('GET', `/v1/payment-charges/${scheduled[0].id}`);
    expect(scheduledCharge.body).toMatchObject({
      status: 'CAPTURED',
      agreementId: agreement.id,
      amount: { value: 1500, currency: 'USD' },
    });
    await waitFor('all three charges to be listed as CAPTURED', async () => {
      charges = await listedCharges(agreement.id);
      return charges.length >= 3 && charges.every((c) => c.status === 'CAPTURED');
    });
    expect(charges.map((c) => c.id).sort()).toEqual([...known, scheduled[0].id].sort());

    // Revocation: the agreement ends and the saved payment method can no longer be charged.
    const revoked = await api('POST', `/v1/payment-agreements/${agreement.id}/revocations`, {});
    expect(revoked).toMatchObject({ status: 201, body: { status: 'REVOKED', revokedBy: 'MERCHANT' } });
    expect((await api('GET', `/v1/payment-agreements/${agreement.id}`)).body.status).toBe('REVOKED');
    const late = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {
      amount: { value: 1500, currency: 'USD' },
    });
    expect(late).toMatchObject({ status: 409, body: { failureCode: 'agreement_revoked' } });
    expect(await listedCharges(agreement.id)).toHaveLength(3);
  },
);

e2e('every metric the dashboard and the alerts name is in the scrapes of the services that ran the flow', async () => {
  // Run after the flow above: the counts below are what it did.
  const scrapes = Object.fromEntries(
    await Promise.all(
      Object.entries(opsPorts).map(async ([name, port]) => [name, await scrape(`http://127.0.0.1:${port}/metrics`)]),
    ),
  ) as Record<string, string>;
  const exported = new Set(Object.values(scrapes).flatMap((text) => [...metricNamesOf(text)]));
  const missing = monitoredMetricNames().filter((name) => !SCRAPE_METRICS.has(name) && !exported.has(name));
  expect(missing).toEqual([]);
  // Every service serves the whole catalogue, ready.
  for (const [name, text] of Object.entries(scrapes)) {
    expect({ name, ready: sampleOf(text, 'payment_ledger_ready') }).toEqual({ name, ready: 1 });
  }
  const total = (text: string, prefix: string) =>
    text
      .split('\n')
      .filter((line) => line.startsWith(prefix))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  // The merchant's calls, counted by route template on the gateway; the consumer's pages on the sandbox.
  expect(
    total(
      scrapes.gateway,
      'payment_ledger_http_request_duration_seconds_count{method="POST",route="/v1/payment-agreements",status="201"}',
    ),
  ).toBeGreaterThanOrEqual(1);
  expect(total(scrapes.sandbox, 'payment_ledger_http_request_duration_seconds_count{')).toBeGreaterThanOrEqual(2);
  // Commands decided and appended on charges and agreements, their events relayed to Kafka and consumed.
  expect(total(scrapes.charges, 'payment_ledger_commands_total{aggregate="charge"')).toBeGreaterThanOrEqual(3);
  expect(total(scrapes.agreements, 'payment_ledger_commands_total{aggregate="agreement"')).toBeGreaterThanOrEqual(2);
  expect(total(scrapes.charges, 'payment_ledger_events_appended_total{stream_type="charge"}')).toBeGreaterThanOrEqual(
    3,
  );
  expect(total(scrapes.charges, 'payment_ledger_events_relayed_total{')).toBeGreaterThanOrEqual(3);
  expect(total(scrapes.scheduler, 'payment_ledger_consumer_events_total{')).toBeGreaterThanOrEqual(1);
  expect(total(scrapes.scheduler, 'payment_ledger_timers_fired_total{')).toBeGreaterThanOrEqual(1);
  // No token, id or key of the flow in any label: routes are templates.
  for (const text of Object.values(scrapes)) {
    expect(text).not.toContain(suite.apiKey);
    expect(text).not.toMatch(/agr_[0-9a-f]{32}|charge_[0-9a-f]{32}/);
  }
});
