/**
 * A one-time Amazon Pay payment as a merchant and a consumer live it, its refunds, and the merchant's ledger. The
 * charges, refunds and ledger services, the gateway and the sandbox page run as their own processes (as deployed); the merchant calls the API over HTTP, the consumer clicks
 * through the hosted page in headless chromium (Debian's, driven by playwright-core) and lands on the merchant's
 * return page, a small HTTP server of this test.
 */
import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '../support/test-database';
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

const MERCHANT_NAME = 'Acme Books & Co.';

let gatewayUrl: string;
let sandboxOrigin: string;
let returnOrigin: string;
const services = new ServiceGroup();
const CONSUMER = { name: 'John Smith', country: 'US' };
/** A test whose failure comes with the services' output. */
const e2e = services.test.bind(services);
/** What the merchant's return page was called with, in order. */
let returns: ReturnPage['returns'] = [];

async function startServices(db: TestDatabase): Promise<void> {
  const [chargesPort, gatewayPort, sandboxPort, refundsPort, ledgerPort] = await freePorts(5);
  sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const shared = {
    ...e2eServiceEnv(db),
    ...serviceAddresses({ charges: chargesPort, refunds: refundsPort, ledger: ledgerPort }),
  };
  const start = async (name: string, entry: string, env: Record<string, string>) => {
    await services.start(name, entry, { ...shared, ...env });
  };
  // The gateway and the sandbox page both call the charges service, so it comes first.
  await start('charges', 'apps/charges/src/main.ts', { SANDBOX_PUBLIC_URL: sandboxOrigin });
  await Promise.all([
    // A delayed refund settles at the sandbox provider after a second; the refunds service's timer finds it.
    start('refunds', 'apps/refunds/src/main.ts', {
      SANDBOX_PUBLIC_URL: sandboxOrigin,
      SANDBOX_ASYNC_REFUND_DELAY_MS: '1000',
      REFUND_TIMER_POLL_MS: '200',
    }),
    start('ledger', 'apps/ledger/src/main.ts', {}),
    ...startGatewayAndSandbox(services, shared, { gateway: gatewayPort, sandbox: sandboxPort }),
  ]);
}

const suite = browserSuite({
  services,
  merchantName: MERCHANT_NAME,
  consumerName: CONSUMER.name,
  returnPageHtml: '<!doctype html><title>Acme Books</title><h1>Thank you for your order</h1>',
  start: async ({ db, returnPage }) => {
    returnOrigin = returnPage.origin;
    returns = returnPage.returns;
    await startServices(db);
  },
});

/** Every URL the page requested. */
let requested: string[];
beforeEach(() => {
  requested = [];
  suite.page.on('request', (request) => requested.push(request.url()));
});

/** The merchant's calls, each answer checked against the API document (test/support/api-client.ts). */
const api = (method: string, path: string, body?: unknown) => apiClient(gatewayUrl, suite.apiKey)(method, path, body);

async function createCharge(returnUrl: string): Promise<{ id: string; requestUrl: string }> {
  const response = await api('POST', '/v1/payment-charges', {
    paymentMethod: 'AMAZON_PAY',
    amount: { value: 1000, currency: 'USD' },
    consumer: CONSUMER,
    authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }],
  });
  expect(response.status).toBe(201);
  expect(response.body.status).toBe('AUTHENTICATION_PENDING');
  const requestUrl: string = response.body.authenticationMethods[0].details.requestUrl;
  services.mustNotLog('hosted-page token', new URL(requestUrl).searchParams.get('token') ?? '');
  expect(new URL(requestUrl).origin).toBe(sandboxOrigin);
  return { id: response.body.id, requestUrl };
}

/** Opens the hosted page and checks what the consumer sees before deciding. */
async function openCheckout(requestUrl: string): Promise<void> {
  const { page } = suite;
  const response = await page.goto(requestUrl);
  expect(response?.status()).toBe(200);
  expect(await page.getByTestId('merchant').textContent()).toBe(MERCHANT_NAME);
  expect(await page.getByTestId('amount').textContent()).toBe('10.00 USD');
}

/** Clicks a button of the hosted page and waits for the browser to arrive on the merchant's return page. */
async function decideAndReturn(button: string, returnUrl: string): Promise<void> {
  const { page } = suite;
  const returnPath = new URL(returnUrl).pathname;
  await page.getByRole('button', { name: button }).click();
  await page.waitForURL((url) => url.origin === returnOrigin && url.pathname === returnPath);
  expect(await page.getByRole('heading').textContent()).toBe('Thank you for your order');
}

e2e('the consumer pays on the hosted page on a phone and returns to the merchant; the charge is CAPTURED', async () => {
  const returnUrl = `${returnOrigin}/return?order=A-1001`;
  const charge = await createCharge(returnUrl);

  await openCheckout(charge.requestUrl);
  const { page } = suite;
  // The page works without anything from elsewhere (no CDN, no fonts, no trackers).
  const linked: string[] = [];
  for (const element of await page.locator('script[src], link[href], img[src], iframe[src]').all()) {
    linked.push((await element.getAttribute('src')) ?? (await element.getAttribute('href')) ?? '');
  }
  expect(linked.map((link) => new URL(link, page.url()).origin).filter((o) => o !== sandboxOrigin)).toEqual([]);
  expect(requested.length).toBeGreaterThan(0);
  expect(requested.map((url) => new URL(url).origin).filter((o) => o !== sandboxOrigin)).toEqual([]);

  // On a phone (the context's viewport) the pay button is there without scrolling, and nothing overflows sideways.
  expect(page.viewportSize()).toEqual(PHONE);
  const pay = page.getByRole('button', { name: 'Pay now' });
  expect(await pay.isVisible()).toBe(true);
  const box = await pay.boundingBox();
  if (!box) throw new Error('the Pay now button has no box');
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(PHONE.width);
  expect(box.y + box.height).toBeLessThanOrEqual(PHONE.height);
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE.width);

  await decideAndReturn('Pay now', returnUrl);
  expect(new URL(page.url()).searchParams.get('paymentChargeId')).toBe(charge.id);
  const landed = returns.at(-1);
  expect(landed?.path).toBe('/return');
  expect(landed?.query.get('paymentChargeId')).toBe(charge.id);
  // The merchant's own parameters survive the round trip.
  expect(landed?.query.get('order')).toBe('A-1001');
  expect(requested.map((url) => new URL(url).origin).every((o) => o === sandboxOrigin || o === returnOrigin)).toBe(
    true,
  );

  const after = await api('GET', `/v1/payment-charges/${charge.id}`);
  expect(after.status).toBe(200);
  expect(after.body.status).toBe('CAPTURED');
  expect(after.body.history.map((entry: { status: string }) => entry.status)).toEqual([
    'AUTHENTICATION_PENDING',
    'AUTHORIZATION_PROCESSING',
    'CAPTURE_PROCESSING',
    'CAPTURED',
  ]);
});

/** Polls the charge until `until` holds (the charges service learns of refunds from Kafka). */
interface ChargeSeen {
  status: string;
  refunds: { id: string; amount: number; status: string }[];
  history: { status: string }[];
}

async function chargeWhen(id: string, until: (charge: ChargeSeen) => boolean): Promise<ChargeSeen> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const charge = await api('GET', `/v1/payment-charges/${id}`);
    if (until(charge.body) || Date.now() > deadline) return charge.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

e2e('the merchant refunds a paid charge in parts: one settles later by itself, then it is REFUNDED', async () => {
  const returnUrl = `${returnOrigin}/return?order=A-1002`;
  const charge = await createCharge(returnUrl);
  await openCheckout(charge.requestUrl);
  await decideAndReturn('Pay now', returnUrl);

  const refund = (body: unknown, headers: Record<string, string> = {}) =>
    apiClient(gatewayUrl, suite.apiKey)('POST', `/v1/payment-charges/${charge.id}/refunds`, body, {
      'request-idempotency-key': randomUUID(),
      ...headers,
    });
  const delayed = await refund(
    { amount: 400, reason: 'one item returned' },
    { 'sandbox-simulation-code': 'RefundDelayed' },
  );
  expect(delayed.body).toMatchObject({ amount: 400 });
  expect(delayed.body.status).toBe('REFUND_PENDING');
  const tooMuch = await refund({ amount: 601 });
  expect(tooMuch.status).toBe(409);
  expect(tooMuch.body).toMatchObject({ failureCode: 'amount_exceeds_refundable', refundableAmount: 600 });
  // The provider settles the delayed refund after a second; the refunds service's timer asks it and records it.
  const settled = await chargeWhen(charge.id, (c) => c.refunds[0]?.status === 'SUCCEEDED');
  expect(settled.status).toBe('CAPTURED');
  const rest = await refund({});
  expect(rest.status).toBe(201);
  expect(rest.body).toMatchObject({ amount: 600, status: 'SUCCEEDED' });

  const refunded = await chargeWhen(charge.id, (c) => c.status === 'REFUNDED');
  expect(refunded.status).toBe('REFUNDED');
  expect(refunded.refunds.map((r) => [r.id, r.amount, r.status])).toEqual([
    [delayed.body.id, 400, 'SUCCEEDED'],
    [rest.body.id, 600, 'SUCCEEDED'],
  ]);
  expect(refunded.history.map((entry) => entry.status).slice(-4)).toEqual([
    'REFUND_PROCESSING',
    'CAPTURED',
    'REFUND_PROCESSING',
    'REFUNDED',
  ]);
  const listed = await api('GET', `/v1/refunds?paymentChargeId=${charge.id}`);
  expect(listed.body.data.map((r: { id: string }) => r.id)).toEqual([rest.body.id, delayed.body.id]);

  // The ledger (its own process, following the log) shows the money's way: held, captured, refunded in two parts.
  const entries = await api('GET', `/v1/ledger-entries?paymentChargeId=${charge.id}`);
  expect(entries.body.data.map((e: { kind: string }) => e.kind).reverse()).toEqual([
    'authorization_hold',
    'capture',
    'refund_requested',
    'refund_succeeded',
    'refund_requested',
    'refund_succeeded',
  ]);
  // This charge's entries leave nothing on any account: captured 10.00, refunded 10.00, no hold left.
  const net = new Map<string, number>();
  for (const entry of entries.body.data as { lines: { account: string; debit: number; credit: number }[] }[]) {
    for (const line of entry.lines) net.set(line.account, (net.get(line.account) ?? 0) + line.debit - line.credit);
  }
  expect([...net.values()].every((balance) => balance === 0)).toBe(true);
  expect(net.size).toBe(5);
  const balances = await api('GET', '/v1/balances');
  expect(balances.body.balances.reduce((t: number, b: { balance: number }) => t + b.balance, 0)).toBe(0);
});

e2e('the consumer cancels on the hosted page and returns to the merchant; the charge is FAILED', async () => {
  const returnUrl = `${returnOrigin}/canceled`;
  const charge = await createCharge(returnUrl);

  await openCheckout(charge.requestUrl);
  await decideAndReturn('Cancel and return to merchant', returnUrl);
  const landed = returns.at(-1);
  expect(landed?.path).toBe('/canceled');
  expect(landed?.query.get('paymentChargeId')).toBe(charge.id);

  const after = await api('GET', `/v1/payment-charges/${charge.id}`);
  expect(after.status).toBe(200);
  expect(after.body).toMatchObject({ status: 'FAILED', failure: { failureCode: 'consumer_canceled' } });
});

e2e('a hosted-page link with a tampered token is not valid (404) and changes nothing', async () => {
  const charge = await createCharge(`${returnOrigin}/return`);
  const tampered = new URL(charge.requestUrl);
  const token = tampered.searchParams.get('token') ?? '';
  expect(token).not.toBe('');
  tampered.searchParams.set('token', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`);

  const { page } = suite;
  const response = await page.goto(tampered.toString());
  expect(response?.status()).toBe(404);
  expect(await page.getByRole('heading').textContent()).toBe('This payment link is not valid');
  expect(await page.getByTestId('merchant').count()).toBe(0);
  expect(await page.getByRole('button').count()).toBe(0);

  expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('AUTHENTICATION_PENDING');
});
