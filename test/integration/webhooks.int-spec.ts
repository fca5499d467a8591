/**
 * Webhooks through the real gateway and services on real PostgreSQL and Kafka, delivered to a real local HTTP
 * receiver: endpoints and their secrets, charges' events turned into signed CloudEvents (verified with the
 * `standardwebhooks` package, not our own code), in order per object, retried through a receiver that is down, 410
 * disabling an endpoint, `Retry-After`, a hanging receiver that holds nobody else up, a restart with deliveries
 * pending, and the outbound address rules.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { type LogSink, metricsText } from '@payment-ledger/platform';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { apiClient, PaymentStack, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- responses are checked field by field
type Json = any;

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/**
 * A local receiver. Each path answers as its script says: a list of statuses, the n-th for a delivery's n-th try
 * (the last one repeats), `hang` to never answer, extra headers and a delay.
 */
class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<
    string,
    { statuses: (number | 'hang')[]; headers?: Record<string, string>; delayMs?: number; body?: string }
  >();
  /** Tries per path and webhook-id so far. */
  private readonly tries = new Map<string, number>();
  /** Requests being answered now, per path and webhook-id, and the most there ever were at once. */
  private readonly inFlight = new Map<string, number>();
  maxInFlightPerId = 0;
  /** The requests a `hang` left unanswered. */
  private readonly hanging: { end(status: number): void }[] = [];
  private server!: Server;
  baseUrl = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        const script = this.scripts.get(path) ?? { statuses: [200] };
        const id = `${path} ${String(req.headers['webhook-id'])}`;
        // Each delivery (webhook-id) goes through the script on its own: the n-th try of it gets the n-th status.
        const tries = this.tries.get(id) ?? 0;
        this.tries.set(id, tries + 1);
        const status = script.statuses[Math.min(tries, script.statuses.length - 1)];
        if (status === 'hang') {
          this.hanging.push({ end: (code) => res.writeHead(code).end() });
          return;
        }
        const now = (this.inFlight.get(id) ?? 0) + 1;
        this.inFlight.set(id, now);
        this.maxInFlightPerId = Math.max(this.maxInFlightPerId, now);
        setTimeout(() => {
          this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1);
          res.writeHead(status, { 'content-type': 'text/plain', ...script.headers });
          res.end(script.body ?? (status >= 400 ? 'not now' : 'ok'));
        }, script.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  script(
    path: string,
    statuses: (number | 'hang')[],
    headers?: Record<string, string>,
    delayMs?: number,
    body?: string,
  ): string {
    this.scripts.set(path, { statuses: [...statuses], headers, delayMs, body });
    return `${this.baseUrl}${path}`;
  }

  /** Answers the requests left hanging so far (their attempts end now, not at their timeout). */
  answerHanging(status: number): void {
    for (const request of this.hanging.splice(0)) request.end(status);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The webhooks service's log lines (each one JSON object). */
class LogLines implements LogSink {
  readonly lines: Record<string, unknown>[] = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  where(match: Record<string, unknown>): Record<string, unknown>[] {
    return this.lines.filter((line) => Object.entries(match).every(([k, v]) => line[k] === v));
  }
}
const webhookLogs = new LogLines();

let db: TestDatabase;
let stack: PaymentStack;
let receiver: Receiver;
let api: ReturnType<typeof apiClient>;
let otherApi: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await TestDatabase.create();
  receiver = await new Receiver().start();
  stack = await new PaymentStack(db, undefined, {
    webhooks: true,
    logSinks: { webhooks: webhookLogs },
    env: {
      PROJECTION_POLL_MS: '50',
      WEBHOOK_POLL_MS: '50',
      // Compressed: the schedule's shape, in tenths of a second.
      WEBHOOK_RETRY_SCHEDULE: '0,200ms,200ms,200ms,200ms',
      WEBHOOK_TIMEOUT_MS: '1500',
      // Compressed too: an endpoint failing for 2 s (not 5 days) is disabled.
      WEBHOOK_DISABLE_AFTER_MS: '2000',
    },
  }).start();
  api = apiClient(stack.baseUrl, (await stack.merchant('Acme Books')).apiKey);
  otherApi = apiClient(stack.baseUrl, (await stack.merchant('Other Shop')).apiKey);
});
afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  await db?.drop();
});

const key = () => ({ 'request-idempotency-key': randomUUID() });

/** The endpoints a test made: deleted after it, so that one test's receivers (a hanging one) do not reach the next. */
const endpointsOfTest: string[] = [];
afterEach(async () => {
  for (const id of endpointsOfTest.splice(0)) await api('DELETE', `/v1/webhook-endpoints/${id}`);
});

async function endpoint(url: string, eventTypes?: string[]): Promise<{ id: string; secret: string }> {
  const created = await api('POST', '/v1/webhook-endpoints', { url, ...(eventTypes ? { eventTypes } : {}) }, key());
  expect(created.status).toBe(201);
  endpointsOfTest.push(created.body.webhookEndpointId);
  return { id: created.body.webhookEndpointId, secret: created.body.secret };
}

/** A charge the consumer approved, captured at once. */
const capturedCharge = () => stack.approvedCharge(api);

/** The deliveries a path received (from the `from`-th), verified with `standardwebhooks` under `secret`, parsed. */
function verified(path: string, secret: string, from = 0): Json[] {
  const webhook = new Webhook(secret);
  return receiver
    .at(path)
    .slice(from)
    .map((r) =>
      webhook.verify(r.body, {
        'webhook-id': String(r.headers['webhook-id']),
        'webhook-timestamp': String(r.headers['webhook-timestamp']),
        'webhook-signature': String(r.headers['webhook-signature']),
      }),
    );
}

const typesOf = (events: Json[], subject: string) =>
  events.filter((e) => e.subject === subject).map((e) => e.type as string);

describe('webhook endpoints', () => {
  it('creates an endpoint with its secret shown once, lists and gets it without the secret, hides it from others', async () => {
    const url = receiver.script('/crud', [200]);
    const created = await api('POST', '/v1/webhook-endpoints', { url, description: 'orders' }, key());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url, description: 'orders', status: 'ENABLED', eventTypes: null });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const id = created.body.webhookEndpointId;

    const got = await api('GET', `/v1/webhook-endpoints/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.secret).toBeUndefined();
    const listed = await api('GET', '/v1/webhook-endpoints');
    expect(listed.body.data.map((e: Json) => e.webhookEndpointId)).toContain(id);

    expect((await otherApi('GET', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await otherApi('DELETE', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
    expect((await otherApi('GET', '/v1/webhook-endpoints')).body.data).toEqual([]);

    // Never in clear at rest.
    const { rows } = await db.pool.query('SELECT secret_ciphertext FROM webhook_endpoints WHERE endpoint_id = $1', [
      id,
    ]);
    expect(rows[0].secret_ciphertext).not.toContain(created.body.secret.slice(6));

    const deleted = await api('DELETE', `/v1/webhook-endpoints/${id}`);
    expect(deleted.status).toBe(200);
    expect((await api('GET', `/v1/webhook-endpoints/${id}`)).status).toBe(404);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://10.0.0.7/hook',
    'https://localhost/hook',
    'http://example.com/hook',
    'https://[::1]/hook',
  ])('refuses %s as an endpoint URL (400 webhooks_url_not_allowed)', async (url) => {
    const refused = await api('POST', '/v1/webhook-endpoints', { url }, key());
    expect(refused.status).toBe(400);
    expect(refused.body.failureCode).toBe('webhooks_url_not_allowed');
  });

  it('refuses a PATCH to a metadata address and keeps the URL; a PATCH of url and eventTypes changes what goes where', async () => {
    const { id, secret } = await endpoint(receiver.script('/patched-before', [200]), [
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    const refused = await api('PATCH', `/v1/webhook-endpoints/${id}`, { url: 'https://169.254.169.254/x' });
    expect(refused).toMatchObject({ status: 400, body: { failureCode: 'webhooks_url_not_allowed' } });
    expect((await api('GET', `/v1/webhook-endpoints/${id}`)).body.url).toBe(`${receiver.baseUrl}/patched-before`);

    const before = await capturedCharge();
    await waitFor(
      'the first charge at the first URL',
      async () => typesOf(verified('/patched-before', secret), before).length > 0,
    );
    const patched = await api('PATCH', `/v1/webhook-endpoints/${id}`, {
      url: receiver.script('/patched-after', [200]),
      eventTypes: ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED'],
    });
    expect(patched).toMatchObject({ status: 200, body: { eventTypes: ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED'] } });
    const after = await capturedCharge();
    await waitFor(
      'the second charge at the new URL',
      async () => typesOf(verified('/patched-after', secret), after).length > 0,
    );
    // Only the types each filter took: the first charge's authentication, the second one's capture.
    expect(typesOf(verified('/patched-before', secret), before)).toEqual(['PAYMENT_CHARGE_AUTHENTICATION_PENDING']);
    expect(typesOf(verified('/patched-after', secret), after)).toEqual(['PAYMENT_CHARGE_CAPTURE_SUCCEEDED']);
    expect(typesOf(verified('/patched-before', secret), after)).toEqual([]);
  });

  it('sends a signed test event now, and after a rotation signs with both secrets', async () => {
    const url = receiver.script('/test-event', [200]);
    const { id, secret } = await endpoint(url);
    const sent = await api('POST', `/v1/webhook-endpoints/${id}/test-events`, {}, key());
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ succeeded: true, responseStatus: 200, error: null });
    expect(verified('/test-event', secret)).toEqual([
      expect.objectContaining({ type: 'WEBHOOK_ENDPOINT_TEST', specversion: '1.0' }),
    ]);

    const rotated = await api('POST', `/v1/webhook-endpoints/${id}/secret-rotations`, {}, key());
    expect(rotated.status).toBe(201);
    expect(rotated.body.secret).not.toBe(secret);
    expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
    await api('POST', `/v1/webhook-endpoints/${id}/test-events`, {}, key());
    const last = receiver.at('/test-event').slice(-1);
    expect(String(last[0].headers['webhook-signature']).split(' ')).toHaveLength(2);
    // Each secret verifies the delivery on its own.
    for (const s of [secret, rotated.body.secret]) {
      expect(() =>
        new Webhook(s).verify(last[0].body, {
          'webhook-id': String(last[0].headers['webhook-id']),
          'webhook-timestamp': String(last[0].headers['webhook-timestamp']),
          'webhook-signature': String(last[0].headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
  });
});

describe('deliveries', () => {
  it("delivers a charge's status changes, signed, in order, with the charge as GET shows it and its stream version", async () => {
    const { secret } = await endpoint(receiver.script('/orders', [200]));
    const chargeId = await capturedCharge();
    let events: Json[] = [];
    await waitFor('the capture webhook', async () => {
      events = verified('/orders', secret);
      return typesOf(events, chargeId).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED');
    });
    const mine = events.filter((e) => e.subject === chargeId);
    expect(mine[0].type).toBe('PAYMENT_CHARGE_AUTHENTICATION_PENDING');
    const versions = mine.map((e) => e.data.streamVersion);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const charge = (await api('GET', `/v1/payment-charges/${chargeId}`)).body;
    const last = mine[mine.length - 1];
    expect(last.data).toEqual({ ...charge, streamVersion: last.data.streamVersion });
    // webhook-id is the event's id (stable across retries).
    expect(receiver.at('/orders').map((r) => r.headers['webhook-id'])).toEqual(events.map((e) => e.id));
  });

  it('retries through a receiver that is down, then delivers everything in order with nothing lost', async () => {
    const { id, secret } = await endpoint(receiver.script('/flaky', [500, 503, 502, 200]));
    const chargeId = await capturedCharge();
    await waitFor('the capture webhook through the outage', async () =>
      typesOf(verified('/flaky', secret), chargeId).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED'),
    );
    const received = receiver.at('/flaky').filter((r) => JSON.parse(r.body).subject === chargeId);
    // The first delivery was tried again (the outage's failures) with the same webhook-id, before any later one.
    const firstId = received[0].headers['webhook-id'];
    const firstTries = received.filter((r) => r.headers['webhook-id'] === firstId);
    expect(firstTries.length).toBeGreaterThan(1);
    expect(received.slice(0, firstTries.length)).toEqual(firstTries);
    const delivered = verified('/flaky', secret);
    const types = typesOf(delivered, chargeId);
    expect(types[0]).toBe('PAYMENT_CHARGE_AUTHENTICATION_PENDING');
    expect(types[types.length - 1]).toBe('PAYMENT_CHARGE_CAPTURE_SUCCEEDED');
    // Every delivery of the charge to it succeeds, each on its 4th try (3 failures of the outage first); the last
    // one's attempt is recorded just after the receiver answered it.
    const settled = async () =>
      (
        await db.pool.query(
          `SELECT d.status, count(a.*)::int AS attempts FROM webhook_deliveries d JOIN webhook_attempts a USING (delivery_id)
            WHERE d.object_id = $1 AND d.endpoint_id = $2 GROUP BY d.delivery_id, d.status`,
          [chargeId, id],
        )
      ).rows;
    await waitFor('every delivery settled', async () => (await settled()).every((r) => r.status === 'SUCCEEDED'));
    const rows = await settled();
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.map((r) => r.attempts)).toEqual(rows.map(() => 4));
  });

  it('disables an endpoint that answers 410 Gone, and holds its deliveries', async () => {
    const { id } = await endpoint(receiver.script('/gone', [410]));
    await capturedCharge();
    await waitFor('the endpoint disabled', async () => {
      const got = await api('GET', `/v1/webhook-endpoints/${id}`);
      return got.body.status === 'DISABLED';
    });
    expect((await api('GET', `/v1/webhook-endpoints/${id}`)).body.disabledReason).toBe('ENDPOINT_GONE');
    await waitFor('nothing pending for it', async () => {
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND status = 'PENDING'`,
        [id],
      );
      return rows[0].n === 0;
    });
    expect(receiver.at('/gone')).toHaveLength(1);
    const { rows } = await db.pool.query('SELECT data FROM events WHERE stream_id = $1', [`webhook-endpoint:${id}`]);
    expect(rows.map((r) => r.data.reason)).toEqual(['GONE']);
  });

  it('disables an endpoint failing for WEBHOOK_DISABLE_AFTER_MS, records it, and tells the other endpoints', async () => {
    const { id } = await endpoint(receiver.script('/down', [500]));
    const { secret } = await endpoint(receiver.script('/watcher', [200]), ['WEBHOOK_ENDPOINT_DISABLED']);
    await capturedCharge();
    await waitFor('a first failure', async () => receiver.at('/down').length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    await capturedCharge();
    await waitFor(
      'the endpoint disabled',
      async () => (await api('GET', `/v1/webhook-endpoints/${id}`)).body.status === 'DISABLED',
    );
    expect((await api('GET', `/v1/webhook-endpoints/${id}`)).body.disabledReason).toBe('FAILING');
    const { rows } = await db.pool.query(
      'SELECT event_type, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
      [`webhook-endpoint:${id}`],
    );
    expect(rows).toEqual([
      {
        event_type: 'WebhookEndpointDisabled',
        data: expect.objectContaining({ endpointId: id, reason: 'FAILING', failingSince: expect.any(String) }),
      },
    ]);
    await waitFor('the other endpoint told', async () =>
      verified('/watcher', secret).some((e) => e.type === 'WEBHOOK_ENDPOINT_DISABLED' && e.subject === id),
    );
    const told = verified('/watcher', secret).find((e) => e.subject === id);
    expect(told.data).toMatchObject({ endpointId: id, reason: 'FAILING', url: expect.stringContaining('/down') });
  });

  it('keeps at most WEBHOOK_RESPONSE_BODY_MAX_BYTES of an answer in the attempt', async () => {
    const { id } = await endpoint(receiver.script('/chatty', [200], undefined, 0, 'x'.repeat(10_000)), [
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, key());
    await waitFor('the delivery', async () =>
      receiver.at('/chatty').some((r) => JSON.parse(r.body).subject === created.body.id),
    );
    let attempts: Json[] = [];
    await waitFor('the attempt in the log', async () => {
      const [event] = (await api('GET', `/v1/events?objectId=${created.body.id}`)).body.data;
      const deliveries = event ? (await api('GET', `/v1/events/${event.id}/deliveries`)).body.data : [];
      attempts = deliveries.find((d: Json) => d.webhookEndpointId === id)?.attempts ?? [];
      return attempts.length > 0;
    });
    // The default cap (4 KiB): the rest was never read.
    expect(attempts[0]).toMatchObject({ responseStatus: 200, error: null });
    expect(attempts[0].responseBody).toHaveLength(4_096);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    const { secret } = await endpoint(receiver.script('/slow-down', [429, 200], { 'retry-after': '1' }), [
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    const chargeId = await capturedCharge();
    const ofCharge = () => receiver.at('/slow-down').filter((r) => JSON.parse(r.body).subject === chargeId);
    await waitFor('a delivery after the 429', async () => ofCharge().length >= 2);
    // The charge's first delivery, answered 429 then tried again (the endpoint may get other objects' events too).
    const [first, second] = ofCharge();
    expect(first.headers['webhook-id']).toBe(second.headers['webhook-id']);
    expect(second.at - first.at).toBeGreaterThanOrEqual(900);
    expect(typesOf(verified('/slow-down', secret), chargeId).length).toBeGreaterThan(0);
  });

  it("delivers a charge's events to its own webhooksUrl too, signed with the merchant's default secret", async () => {
    const first = await api('POST', '/v1/webhook-signing-secret/rotations', {}, key());
    expect(first).toMatchObject({
      status: 201,
      body: { secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: null },
    });
    const webhooksUrl = receiver.script('/own', [200]);
    const created = await api('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, webhooksUrl }, key());
    expect(created.status).toBe(201);
    await waitFor('the charge webhook at its own URL', async () => verified('/own', first.body.secret).length >= 1);
    expect(typesOf(verified('/own', first.body.secret), created.body.id)).toEqual([
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    // Rotated: the new secret signs, and the old one too for the overlap.
    const second = await api('POST', '/v1/webhook-signing-secret/rotations', {}, key());
    expect(second.body.previousSecretExpiresAt).not.toBeNull();
    const token = new URL(created.body.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
    await stack.charges
      .get(CompleteCheckoutHandler)
      .complete({ chargeId: created.body.id, token, decision: 'APPROVE', correlationId: 'test' });
    await waitFor('the capture at its own URL', async () =>
      typesOf(verified('/own', second.body.secret, 1), created.body.id).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED'),
    );
    expect(verified('/own', first.body.secret)).toHaveLength(receiver.at('/own').length);
    // Another merchant's secret verifies none of them.
    const others = await otherApi('POST', '/v1/webhook-signing-secret/rotations', {}, key());
    expect(() => verified('/own', others.body.secret)).toThrow();
  });

  it('runs as two replicas: every delivery made, none sent twice at once, nothing received twice', async () => {
    const replica = await stack.startWebhooksReplica();
    try {
      // Slow answers and a first failure for each, so both replicas have lanes running and retries to take.
      const { id, secret } = await endpoint(receiver.script('/replicas', [500, 200], undefined, 100));
      const charges = await Promise.all(Array.from({ length: 6 }, () => capturedCharge()));
      await waitFor('every capture webhook', async () => {
        const events = verified('/replicas', secret);
        return charges.every((id) => typesOf(events, id).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED'));
      });
      expect(receiver.maxInFlightPerId).toBe(1);
      const attempts = async () =>
        (
          await db.pool.query(
            `SELECT d.delivery_id, d.status,
                    count(a.*) FILTER (WHERE a.response_status BETWEEN 200 AND 299)::int AS succeeded
               FROM webhook_deliveries d JOIN webhook_attempts a USING (delivery_id)
              WHERE d.object_id = ANY($1) AND d.endpoint_id = $2 GROUP BY d.delivery_id, d.status`,
            [charges, id],
          )
        ).rows;
      await waitFor('every delivery settled', async () => (await attempts()).every((r) => r.status === 'SUCCEEDED'));
      const rows = (await attempts()).map(({ delivery_id, succeeded }) => ({ delivery_id, succeeded }));
      expect(rows.length).toBeGreaterThan(charges.length);
      expect(rows.filter((r) => r.succeeded !== 1)).toEqual([]);
    } finally {
      await replica.close();
    }
  });

  it('counts attempts by outcome and the delay from event to delivery (metrics)', async () => {
    const count = async (pattern: RegExp) => Number(pattern.exec(await metricsText())?.[1] ?? 0);
    const timeouts = /payment_ledger_webhook_attempts_total\{outcome="timeout"\} (\d+)/;
    const before = await count(timeouts);
    await endpoint(receiver.script('/hang-for-metrics', ['hang']), ['PAYMENT_CHARGE_AUTHENTICATION_PENDING']);
    await api('POST', '/v1/payment-charges', SEED_001_CHARGE, key());
    await waitFor('an attempt timed out', async () => (await count(timeouts)) > before);
    expect(await count(/payment_ledger_webhook_attempts_total\{outcome="succeeded"\} (\d+)/)).toBeGreaterThan(0);
    expect(await count(/payment_ledger_webhook_attempts_total\{outcome="failed"\} (\d+)/)).toBeGreaterThan(0);
    expect(await count(/payment_ledger_webhook_delivery_delay_seconds_count (\d+)/)).toBeGreaterThan(0);
    expect(await count(/payment_ledger_webhook_attempt_duration_seconds_count (\d+)/)).toBeGreaterThan(0);
  });

  it('completes the deliveries left pending when the service stopped, once it is back', async () => {
    const { secret } = await endpoint(receiver.script('/restart', [500, 200]));
    const chargeId = await capturedCharge();
    await waitFor('a first failed attempt', async () => receiver.at('/restart').length >= 1);
    await stack.restartWebhooks();
    await waitFor('the capture webhook after the restart', async () =>
      typesOf(verified('/restart', secret), chargeId).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED'),
    );
  });
});

describe('the event log and redeliveries', () => {
  const hour = 3_600_000;
  // Events are timed by the log's recordedAt; deliveries by the service's clock: a wide range holds both.
  const instant = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();

  it("lists a charge's events of any age (from before any endpoint of it), filtered, paged and one by one; another merchant sees none", async () => {
    const chargeId = await capturedCharge();
    const ofCharge = `/v1/events?objectId=${chargeId}`;
    let events: Json[] = [];
    await waitFor('the charge in the event log', async () => {
      events = (await api('GET', ofCharge)).body.data;
      return events.some((e: Json) => e.type === 'PAYMENT_CHARGE_CAPTURE_SUCCEEDED');
    });
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const event of events) {
      expect(event).toMatchObject({ specversion: '1.0', subject: chargeId, datacontenttype: 'application/json' });
      expect(event.type).toMatch(/^PAYMENT_CHARGE_/);
      expect(event.data.id).toBe(chargeId);
    }
    // Newest first: the capture is the last status change.
    expect(events[0].type).toBe('PAYMENT_CHARGE_CAPTURE_SUCCEEDED');
    const captured = await api('GET', `${ofCharge}&type=PAYMENT_CHARGE_CAPTURE_SUCCEEDED`);
    expect(captured.body.data.map((e: Json) => e.id)).toEqual([events[0].id]);
    const first = await api('GET', `${ofCharge}&limit=1`);
    expect(first.body).toMatchObject({ data: [{ id: events[0].id }], hasMore: true, nextCursor: events[0].id });
    const second = await api('GET', `${ofCharge}&limit=1&startingAfter=${first.body.nextCursor}`);
    expect(second.body.data.map((e: Json) => e.id)).toEqual([events[1].id]);
    expect(
      (await api('GET', `${ofCharge}&createdFrom=${instant(-hour)}&createdTo=${instant(hour)}`)).body.data,
    ).toHaveLength(events.length);
    expect((await api('GET', `${ofCharge}&createdTo=${instant(-hour)}`)).body.data).toEqual([]);
    expect((await api('GET', `/v1/events/${events[0].id}`)).body).toEqual(events[0]);
    // Not an endpoint existed for this merchant's first charges: the log is the event log's, not the deliveries'.
    const other = await otherApi('GET', `/v1/events/${events[0].id}`);
    expect(other).toMatchObject({ status: 404, body: { failureCode: 'event_not_found' } });
    expect((await otherApi('GET', ofCharge)).body.data).toEqual([]);
    expect((await otherApi('GET', `/v1/events/${events[0].id}/deliveries`)).status).toBe(404);
    expect((await otherApi('POST', `/v1/events/${events[0].id}/redeliveries`, {}, key())).status).toBe(404);
    expect((await api('GET', '/v1/events/evt_00000000000000000000000000000000')).status).toBe(404);
  });

  it('shows an event’s deliveries with their attempts, and redelivers it after a success with the same webhook-id', async () => {
    const { id, secret } = await endpoint(receiver.script('/again', [200]), ['PAYMENT_CHARGE_CAPTURE_SUCCEEDED']);
    const chargeId = await capturedCharge();
    // This charge's (the endpoint takes every capture of the merchant: an earlier test's may still come).
    const mine = () => verified('/again', secret).filter((e) => e.subject === chargeId);
    await waitFor('the capture webhook', async () => mine().length === 1);
    const [delivered] = mine();
    const deliveries = await api('GET', `/v1/events/${delivered.id}/deliveries`);
    const ofEndpoint = deliveries.body.data.filter((d: Json) => d.webhookEndpointId === id);
    expect(ofEndpoint).toEqual([
      expect.objectContaining({ eventId: delivered.id, status: 'SUCCEEDED', attemptCount: 1, redelivery: false }),
    ]);
    expect(ofEndpoint[0].attempts).toEqual([
      expect.objectContaining({ attemptNumber: 1, responseStatus: 200, error: null, responseBody: 'ok' }),
    ]);
    expect(ofEndpoint[0].attempts[0].requestHeaders['webhook-id']).toBe(delivered.id);
    expect(JSON.stringify(ofEndpoint[0].attempts[0].requestHeaders)).not.toContain(secret.slice('whsec_'.length));

    const again = await api('POST', `/v1/events/${delivered.id}/redeliveries`, {}, key());
    expect(again.status).toBe(201);
    expect(again.body.deliveries).toEqual(
      expect.arrayContaining([expect.objectContaining({ webhookEndpointId: id, status: 'PENDING', redelivery: true })]),
    );
    await waitFor('the redelivery', async () => mine().length === 2);
    const [, redelivered] = receiver.at('/again').filter((r) => JSON.parse(r.body).subject === chargeId);
    expect(redelivered.headers['webhook-id']).toBe(delivered.id);
    expect(mine()[1]).toEqual(delivered);
    await waitFor('the redelivery settled', async () => {
      const after = (await api('GET', `/v1/events/${delivered.id}/deliveries`)).body.data;
      return after.filter((d: Json) => d.webhookEndpointId === id && d.status === 'SUCCEEDED').length === 2;
    });
  });

  it("redelivers a disabled endpoint's held deliveries in order once it is enabled again", async () => {
    const { id, secret } = await endpoint(receiver.script('/held', [200]));
    expect((await api('PATCH', `/v1/webhook-endpoints/${id}`, { status: 'DISABLED' })).status).toBe(200);
    const chargeId = await capturedCharge();
    await waitFor('the deliveries held', async () => {
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1 AND object_id = $2
            AND status = 'ENDPOINT_DISABLED'`,
        [id, chargeId],
      );
      return rows[0].n >= 2;
    });
    expect(receiver.at('/held')).toHaveLength(0);
    const body = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
    const path = `/v1/webhook-endpoints/${id}/redeliveries`;
    expect((await otherApi('POST', path, body, key())).status).toBe(404);
    expect((await api('PATCH', `/v1/webhook-endpoints/${id}`, { status: 'ENABLED' })).status).toBe(200);
    const bulk = await api('POST', path, body, key());
    expect(bulk).toMatchObject({ status: 201, body: { webhookEndpointId: id } });
    expect(bulk.body.queued).toBeGreaterThanOrEqual(2);
    await waitFor('the held deliveries', async () =>
      typesOf(verified('/held', secret), chargeId).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED'),
    );
    const logged = (await api('GET', `/v1/events?objectId=${chargeId}`)).body.data.map((e: Json) => e.type).reverse();
    expect(typesOf(verified('/held', secret), chargeId)).toEqual(logged);
    const versions = verified('/held', secret).map((e) => e.data.streamVersion as number);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
  });
});

describe('bulk redelivery of failed deliveries', () => {
  const wide = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
  const create = async () => (await api('POST', '/v1/payment-charges', SEED_001_CHARGE, key())).body.id as string;
  const statusesOf = async (endpointId: string, objectId: string) =>
    (
      await db.pool.query(
        'SELECT status, redelivery FROM webhook_deliveries WHERE endpoint_id = $1 AND object_id = $2 ORDER BY seq',
        [endpointId, objectId],
      )
    ).rows;

  it("sends an endpoint's given-up deliveries of a time range again, once each, skipping those it received since", async () => {
    // 410 Gone to each event's first try (the endpoint disabled, the delivery FAILED), 200 to its next.
    const { id, secret } = await endpoint(receiver.script('/given-up', [410, 200]), [
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    const givenUp = (objectId: string) =>
      waitFor('the delivery given up and the endpoint disabled', async () => {
        const [delivery] = await statusesOf(id, objectId);
        const { body } = await api('GET', `/v1/webhook-endpoints/${id}`);
        return delivery?.status === 'FAILED' && body.status === 'DISABLED';
      });
    const older = await create();
    await givenUp(older);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const between = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await api('PATCH', `/v1/webhook-endpoints/${id}`, { status: 'ENABLED' })).status).toBe(200);
    const newer = await create();
    await givenUp(newer);
    expect((await api('PATCH', `/v1/webhook-endpoints/${id}`, { status: 'ENABLED' })).status).toBe(200);

    const path = `/v1/webhook-endpoints/${id}/redeliveries`;
    // A range after the older one: the newer one only.
    const recent = await api('POST', path, { from: between, to: wide.to }, key());
    expect(recent).toMatchObject({ status: 201, body: { webhookEndpointId: id, queued: 1 } });
    await waitFor('the newer one received', async () =>
      (await statusesOf(id, newer)).some((d) => d.redelivery && d.status === 'SUCCEEDED'),
    );
    // The whole range: the older one, and not the newer one again (received since).
    expect((await api('POST', path, wide, key())).body.queued).toBe(1);
    await waitFor('the older one received', async () =>
      (await statusesOf(id, older)).some((d) => d.redelivery && d.status === 'SUCCEEDED'),
    );
    expect(await statusesOf(id, older)).toEqual([
      { status: 'FAILED', redelivery: false },
      { status: 'SUCCEEDED', redelivery: true },
    ]);
    // Nothing is left to send again.
    expect((await api('POST', path, wide, key())).body.queued).toBe(0);
    const subjects = receiver
      .at('/given-up')
      .map((r) => JSON.parse(r.body).subject as string)
      .filter((subject) => subject === older || subject === newer);
    expect(subjects).toEqual([older, newer, newer, older]);
    expect(verified('/given-up', secret).filter((e) => e.subject === older || e.subject === newer)).toHaveLength(4);
  });
});

describe("the merchant's default signing secret", () => {
  it("is printed once by merchant:create, and signs the deliveries to its charges' own webhooksUrl", async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        'apps/gateway/src/cli/create-merchant.ts',
        '--name',
        'Command Line Books',
        '--json',
      ],
      {
        env: {
          ...process.env,
          DATABASE_URL: db.serviceUrl,
          WEBHOOK_SECRETS_KEY: stack.sharedEnv.WEBHOOK_SECRETS_KEY,
        },
      },
    );
    const made = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(made.webhookSigningSecret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const { rows } = await db.pool.query(
      'SELECT secret_ciphertext FROM webhook_merchant_secrets WHERE merchant_id = $1',
      [made.merchantId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_ciphertext).not.toContain(made.webhookSigningSecret.slice('whsec_'.length));
    const cliApi = apiClient(stack.baseUrl, made.apiKey);
    const webhooksUrl = receiver.script('/cli-own', [200]);
    const created = await cliApi('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, webhooksUrl }, key());
    expect(created.status).toBe(201);
    await waitFor('the charge webhook at its own URL', async () => receiver.at('/cli-own').length >= 1);
    expect(typesOf(verified('/cli-own', made.webhookSigningSecret), created.body.id)).toEqual([
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
  });

  it('holds the deliveries to a webhooksUrl of a merchant without one, in the delivery log, until it creates one', async () => {
    const { apiKey, merchant } = await stack.merchant('Secretless Shop');
    const secretless = apiClient(stack.baseUrl, apiKey);
    const webhooksUrl = receiver.script('/held-for-secret', [200]);
    const created = await secretless('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, webhooksUrl }, key());
    expect(created.status).toBe(201);
    let eventId = '';
    await waitFor('the delivery held', async () => {
      const events = (await secretless('GET', `/v1/events?objectId=${created.body.id}`)).body.data;
      if (events.length === 0) return false;
      eventId = events[0].id;
      const deliveries = (await secretless('GET', `/v1/events/${eventId}/deliveries`)).body.data;
      return deliveries.some((d: Json) => d.status === 'SIGNING_SECRET_MISSING');
    });
    const [held] = (await secretless('GET', `/v1/events/${eventId}/deliveries`)).body.data;
    expect(held).toMatchObject({ webhookEndpointId: null, status: 'SIGNING_SECRET_MISSING', attemptCount: 0 });
    // Nothing sent, and no secret made behind the merchant's back.
    expect(receiver.at('/held-for-secret')).toEqual([]);
    const { rows } = await db.pool.query('SELECT 1 FROM webhook_merchant_secrets WHERE merchant_id = $1', [
      merchant.id,
    ]);
    expect(rows).toEqual([]);

    const first = await secretless('POST', '/v1/webhook-signing-secret/rotations', {}, key());
    expect(first).toMatchObject({ status: 201, body: { previousSecretExpiresAt: null } });
    await waitFor('the held delivery sent', async () => receiver.at('/held-for-secret').length >= 1);
    expect(typesOf(verified('/held-for-secret', first.body.secret), created.body.id)).toEqual([
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    await waitFor('the delivery settled', async () => {
      const deliveries = (await secretless('GET', `/v1/events/${eventId}/deliveries`)).body.data;
      return deliveries[0].status === 'SUCCEEDED';
    });
  });
});

describe('a webhooks service of small limits (4 lanes, 1 attempt at a time per endpoint) and debug logs', () => {
  // The webhooks service again with few lanes: a receiver that hangs could take all of them if nothing bounded it,
  // each for a timeout of 20 s (long beside a delivery to a receiver that answers, even on a busy machine).
  const timeoutMs = 20_000;
  const limits = {
    WEBHOOK_CONCURRENCY: '4',
    WEBHOOK_ENDPOINT_CONCURRENCY: '1',
    WEBHOOK_TIMEOUT_MS: String(timeoutMs),
    LOG_LEVEL: 'debug',
  };
  beforeAll(async () => {
    await stack.restartWebhooks(limits);
    // Until the restarted service's consumer has joined its group and delivers (a charge's first event arrives).
    const { id, secret } = await endpoint(receiver.script('/warm-up', [200]), [
      'PAYMENT_CHARGE_AUTHENTICATION_PENDING',
    ]);
    const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, key());
    await waitFor(
      'a delivery after the restart',
      async () => typesOf(verified('/warm-up', secret), created.body.id).length > 0,
    );
    await api('DELETE', `/v1/webhook-endpoints/${id}`);
    endpointsOfTest.splice(0);
  });
  afterAll(() => stack.restartWebhooks());

  // KNOWN DEFECT (issue 17, open): on an idle CI host 3 of the other endpoint's events arrived 30 s late, exactly the
  // lane lease (WEBHOOK_TIMEOUT_MS + 10 s): some claimed lane is left to its lease while the hanging receiver holds
  // the worker's lanes. Skipped until the lane worker is fixed; remove the skip with the fix.
  it.skip('keeps delivering to another endpoint within a timeout while one receiver hangs on more lanes than there are', async () => {
    await endpoint(receiver.script('/hang', ['hang']));
    const { id, secret } = await endpoint(receiver.script('/healthy', [200]));
    // Six charges: six lanes of the hanging endpoint, more than the service's four.
    const charges = await Promise.all(Array.from({ length: 6 }, () => capturedCharge()));
    await waitFor('every capture at the healthy endpoint', async () => {
      const events = verified('/healthy', secret);
      return charges.every((chargeId) => typesOf(events, chargeId).includes('PAYMENT_CHARGE_CAPTURE_SUCCEEDED'));
    });
    expect(receiver.at('/hang').length).toBeGreaterThan(0);
    // Each event reached the healthy endpoint within half a WEBHOOK_TIMEOUT_MS of its delivery being made, though
    // the hanging endpoint's attempts each hold a lane for a whole one and it always has more due than there are
    // lanes (without the per-endpoint limit, they took ~2 timeouts).
    const { rows } = await db.pool.query<{ event_id: string; created_at: Date }>(
      `SELECT event_id, created_at FROM webhook_deliveries WHERE endpoint_id = $1 AND object_id = ANY($2) AND NOT redelivery`,
      [id, charges],
    );
    expect(rows.length).toBeGreaterThanOrEqual(charges.length * 2);
    const late = rows
      .map((row) => {
        const received = receiver.at('/healthy').find((r) => r.headers['webhook-id'] === row.event_id);
        return { eventId: row.event_id, afterMs: received!.at - row.created_at.getTime() };
      })
      .filter((d) => d.afterMs > timeoutMs / 2);
    receiver.answerHanging(503);
    expect(late).toEqual([]);
  });

  it('sends, logs and records each attempt under the correlation of the request that made the event', async () => {
    const { id } = await endpoint(receiver.script('/traced', [200]), ['PAYMENT_CHARGE_AUTHENTICATION_PENDING']);
    const correlationId = `corr-webhook-${randomUUID()}`;
    const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, {
      ...key(),
      'x-correlation-id': correlationId,
    });
    expect(created.status).toBe(201);
    const { rows: events } = await db.pool.query('SELECT event_id, metadata FROM events WHERE stream_id = $1', [
      `charge:${created.body.id}`,
    ]);
    expect(events[0].metadata).toMatchObject({ correlationId });
    // The charge's first event: its merchant event has its id (the webhook-id), and is the delivery's cause.
    const eventId = events[0].event_id as string;
    const trace = { correlation_id: correlationId, causation_id: eventId };
    await waitFor('the delivery', async () => receiver.at('/traced').some((r) => r.headers['webhook-id'] === eventId));
    const attempts = async () =>
      (
        await db.pool.query(
          `SELECT a.correlation_id, a.causation_id FROM webhook_attempts a JOIN webhook_deliveries d USING (delivery_id)
            WHERE d.endpoint_id = $1 AND d.event_id = $2`,
          [id, eventId],
        )
      ).rows;
    await waitFor('the attempt recorded', async () => (await attempts()).length > 0);
    expect(await attempts()).toEqual([trace]);
    const { rows: deliveries } = await db.pool.query(
      'SELECT correlation_id, causation_id FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2',
      [id, eventId],
    );
    expect(deliveries).toEqual([trace]);
    expect(webhookLogs.where({ msg: 'webhook.attempt', eventId, endpointId: id })).toEqual([
      expect.objectContaining({
        service: 'webhooks',
        level: 'debug',
        correlationId,
        causationId: eventId,
        attemptNumber: 1,
        responseStatus: 200,
        outcome: 'succeeded',
      }),
    ]);
  });
});
