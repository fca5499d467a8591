/**
 * Webhooks as a merchant lives them (issue 17): the merchant registers an endpoint, a consumer pays on the hosted page
 * (headless chromium), and the merchant's receiver — a real local HTTP server of this test, on 127.0.0.1, which the
 * webhooks service is allowed to call (WEBHOOK_ALLOWED_HOSTS) — gets the charge's status changes as signed
 * CloudEvents: verified with the `standardwebhooks` package (not our own code), in order, each with a higher stream
 * version, the last one's data equal to what `GET` answers. The charges service, the webhooks service, the gateway and
 * the sandbox page run as their own processes (as deployed), Kafka between them.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { CHARGE_STATUS_EVENT_TYPES } from '@payment-ledger/contracts';
import { apiClient } from '../support/api-client';
import {
  browserSuite,
  e2eServiceEnv,
  freePorts,
  serviceAddresses,
  ServiceGroup,
  startGatewayAndSandbox,
  webhooksServiceEnv,
} from '../support/e2e-harness';
import type { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

const MERCHANT_NAME = 'Acme Books & Co.';
const CONSUMER = { name: 'John Smith', country: 'US' };
const RECEIVER_PATH = '/webhooks/acme';

let gatewayUrl: string;
let receiver: Receiver | undefined;
const services = new ServiceGroup();
/** A test whose failure comes with the services' output. */
const e2e = services.test.bind(services);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliveries are checked field by field
type Json = any;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The merchant's webhook receiver: keeps every request as it came, answers 200 (503 on a path said to be down). */
class Receiver {
  readonly received: Received[] = [];
  readonly down = new Set<string>();
  private server!: Server;
  origin = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({
          path: request.url ?? '/',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const status = this.down.has(request.url ?? '/') ? 503 : 200;
        response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'down');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function startServices(db: TestDatabase): Promise<void> {
  const [chargesPort, webhooksPort, gatewayPort, sandboxPort] = await freePorts(4);
  const sandboxOrigin = `http://127.0.0.1:${sandboxPort}`;
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const shared = { ...e2eServiceEnv(db), ...serviceAddresses({ charges: chargesPort, webhooks: webhooksPort }) };
  const start = (name: string, entry: string, env: Record<string, string>) =>
    services.start(name, entry, { ...shared, ...env });
  // The gateway and the sandbox page both call the charges service, and the gateway the webhooks service.
  await start('charges', 'apps/charges/src/main.ts', { SANDBOX_PUBLIC_URL: sandboxOrigin });
  await start('webhooks', 'apps/webhooks/src/main.ts', {
    ...webhooksServiceEnv(),
    WEBHOOK_POLL_MS: '100',
    // Compressed, for the crash test: retries within seconds, and a lane a killed process held leased for 12 s.
    WEBHOOK_RETRY_SCHEDULE: '0,500ms,1s,2s,5s,10s',
    WEBHOOK_TIMEOUT_MS: '2000',
  });
  await Promise.all(startGatewayAndSandbox(services, shared, { gateway: gatewayPort, sandbox: sandboxPort }));
}

const suite = browserSuite({
  services,
  merchantName: MERCHANT_NAME,
  consumerName: CONSUMER.name,
  returnPageHtml: '<!doctype html><title>Acme Books</title><h1>Thank you for your order</h1>',
  start: async ({ db }) => {
    receiver = await new Receiver().start();
    await startServices(db);
  },
  // Once the services have stopped: the webhooks service may be delivering to it until then.
  stop: async () => {
    await receiver?.stop();
  },
});

/** The merchant's calls, each answer checked against the API document (test/support/api-client.ts). */
const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  apiClient(gatewayUrl, suite.apiKey)(method, path, body, headers);

/** The deliveries received at `path`, each verified with `standardwebhooks` under `secret` (throws if one is not). */
function verifiedAt(path: string, secret: string): Json[] {
  const webhook = new Webhook(secret);
  return receiver!.received
    .filter((r) => r.path === path)
    .map((r) =>
      webhook.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      }),
    );
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

e2e(
  'a charge paid on the hosted page reaches the merchant as signed webhooks, in order, the last one as GET shows it',
  async () => {
    const registered = await api(
      'POST',
      '/v1/webhook-endpoints',
      { url: `${receiver!.origin}${RECEIVER_PATH}`, description: 'orders' },
      { 'request-idempotency-key': randomUUID() },
    );
    expect(registered.status).toBe(201);
    const secret: string = registered.body.secret;
    expect(secret).toMatch(/^whsec_/);
    services.mustNotLog('webhook signing secret', secret);

    const returnUrl = `${suite.returnPage.origin}/return?order=A-2001`;
    const created = await api('POST', '/v1/payment-charges', {
      paymentMethod: 'AMAZON_PAY',
      amount: { value: 1000, currency: 'USD' },
      consumer: CONSUMER,
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl } }],
    });
    expect(created.status).toBe(201);
    const chargeId: string = created.body.id;
    const requestUrl: string = created.body.authenticationMethods[0].details.requestUrl;
    services.mustNotLog('hosted-page token', new URL(requestUrl).searchParams.get('token') ?? '');

    // The consumer pays on a phone and lands on the merchant's return page.
    expect((await suite.page.goto(requestUrl))?.status()).toBe(200);
    await suite.page.getByRole('button', { name: 'Pay now' }).click();
    await suite.page.waitForURL((url) => url.origin === suite.returnPage.origin && url.pathname === '/return');

    const charge = await api('GET', `/v1/payment-charges/${chargeId}`);
    expect(charge.status).toBe(200);
    expect(charge.body.status).toBe('CAPTURED');
    const statuses: (keyof typeof CHARGE_STATUS_EVENT_TYPES)[] = charge.body.history.map(
      (entry: { status: keyof typeof CHARGE_STATUS_EVENT_TYPES }) => entry.status,
    );

    const events = await until('the capture webhook', () => {
      const received = verifiedAt(RECEIVER_PATH, secret).filter((e) => e.subject === chargeId);
      return received.some((e) => e.type === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED') ? received : undefined;
    });
    // Nothing more arrives late (a duplicate, or a delivery out of order).
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(verifiedAt(RECEIVER_PATH, secret)).toEqual(events);

    // One webhook per status the charge went through, in that order.
    expect(events.map((e) => e.type)).toEqual([
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
      'PAYMENT_CHARGE_AUTHORIZATION_PROCESSING',
      'PAYMENT_CHARGE_CAPTURE_PROCESSING',
      'PAYMENT_CHARGE_CAPTURE_SUCCEEDED',
    ]);
    expect(events.map((e) => e.type)).toEqual(statuses.map((status) => CHARGE_STATUS_EVENT_TYPES[status]));
    for (const event of events) {
      expect(event).toMatchObject({
        specversion: '1.0',
        subject: chargeId,
        datacontenttype: 'application/json',
        data: { id: chargeId },
      });
      expect(typeof event.source).toBe('string');
      expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    }
    const versions: number[] = events.map((e) => e.data.streamVersion);
    versions.slice(1).forEach((version, i) => expect(version).toBeGreaterThan(versions[i]));
    // webhook-id is the CloudEvent's id, one per event.
    const headers = receiver!.received.filter((r) => r.path === RECEIVER_PATH).map((r) => r.headers['webhook-id']);
    expect(headers).toEqual(events.map((e) => e.id));
    expect(new Set(headers).size).toBe(events.length);

    const last = events[events.length - 1];
    const now = await api('GET', `/v1/payment-charges/${chargeId}`);
    expect(last.data).toEqual({ ...now.body, streamVersion: last.data.streamVersion });
    // Each earlier event's data is the charge as of its status.
    expect(events.map((e) => e.data.status)).toEqual(statuses);
  },
);

e2e('the webhooks service killed (SIGKILL) with deliveries pending completes them once started again', async () => {
  const path = '/webhooks/while-down';
  receiver!.down.add(path);
  const created = await api('POST', '/v1/webhook-endpoints', {
    url: `${receiver!.origin}${path}`,
    eventTypes: ['PAYMENT_CHARGE_AUTHENTICATION_PENDING'],
  });
  expect(created.status).toBe(201);
  const charges: string[] = [];
  for (let i = 0; i < 3; i++) {
    const charge = await api('POST', '/v1/payment-charges', {
      paymentMethod: 'AMAZON_PAY',
      amount: { value: 1000 + i, currency: 'USD' },
      consumer: CONSUMER,
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
    });
    expect(charge.status).toBe(201);
    charges.push(charge.body.id);
  }
  const subjects = (at: Received[]) => new Set(at.map((r) => JSON.parse(r.body).subject as string));
  const tried = () => receiver!.received.filter((r) => r.path === path);
  await waitFor('a failed attempt for each charge', async () => charges.every((id) => subjects(tried()).has(id)));

  await services.kill('webhooks');
  receiver!.down.delete(path);
  const before = tried().length;
  await services.restart('webhooks');
  await waitFor('every charge delivered after the restart', async () => {
    const after = tried().slice(before);
    return charges.every((id) => subjects(after).has(id));
  });
  // Each delivered one by one, signed: the same webhook-id as its failed tries (one event, one id).
  const delivered = verifiedAt(path, created.body.secret).filter((e) => charges.includes(e.subject));
  for (const id of charges) {
    const ofCharge = delivered.filter((e) => e.subject === id);
    expect(new Set(ofCharge.map((e) => e.id)).size).toBe(1);
    expect(ofCharge[0].type).toBe('PAYMENT_CHARGE_AUTHENTICATION_PENDING');
  }
});
