/**
 * What the logs and the event log say about one request, through the real gateway, agreements, charges and
 * scheduler services and the sandbox page (TCP between them, real PostgreSQL and Kafka), each service's log lines
 * collected by the test through its own sink:
 * - the caller's X-Correlation-Id is in the metadata of the events the request appends, in the Kafka headers of
 *   those events, and in the log lines of the services that consume them; what a consumer appends names the
 *   consumed event as its causation (metadata and the `causation-id` header);
 * - one access line per request, by route template, without query strings or tokens; health probes at debug only.
 */
import type { INestApplication } from '@nestjs/common';
import { CHARGES_PATTERNS } from '@payment-ledger/contracts';
import { HEADER, topicForStreamType } from '@payment-ledger/messaging';
import { loadConfig, type LogSink, withLogContext } from '@payment-ledger/platform';
import { type RpcClient, rpcClientToken } from '@payment-ledger/rpc';
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { sandboxConfigSchema } from '../../apps/sandbox/src/sandbox.config';
import { TopicCollector } from '../support/collector';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

type LogLine = Record<string, unknown>;

/** A service's log lines, as the service wrote them (each must be one JSON object). */
class LogLines implements LogSink {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  write(line: string): void {
    this.raw.push(line);
    this.lines.push(JSON.parse(line) as LogLine);
  }
  where(match: LogLine): LogLine[] {
    return this.lines.filter((line) => Object.entries(match).every(([k, v]) => line[k] === v));
  }
}

const logs = {
  gateway: new LogLines(),
  charges: new LogLines(),
  agreements: new LogLines(),
  scheduler: new LogLines(),
  sandbox: new LogLines(),
};

let db: TestDatabase;
let stack: PaymentStack;
let sandbox: INestApplication;
let sandboxUrl: string;
let api: ReturnType<typeof apiClient>;
let merchantId: string;
let apiKey: string;
const collector = new TopicCollector();

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { env: { LOG_LEVEL: 'debug' }, logSinks: logs }).start();
  const created = await stack.merchant('Tracing Co');
  merchantId = created.merchant.id;
  apiKey = created.apiKey;
  api = apiClient(stack.baseUrl, apiKey);
  const namespace = stack.sharedEnv.KAFKA_TOPIC_NAMESPACE;
  await collector.start([topicForStreamType(namespace, 'charge'), topicForStreamType(namespace, 'agreement')]);
  const config = loadConfig(sandboxConfigSchema, {
    ...stack.sharedEnv,
    SANDBOX_PORT: '0',
    CHARGES_TCP_PORT: String(stack.ports.charges),
    AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
  });
  sandbox = await createSandboxApp(config, { logSink: logs.sandbox });
  await sandbox.listen(0, '127.0.0.1');
  sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
}, 120_000);
afterAll(async () => {
  await collector.stop();
  await sandbox?.close();
  await stack?.stop();
  await db?.drop();
});

async function eventsOf(streamId: string) {
  const { rows } = await db.pool.query<{ event_id: string; event_type: string; metadata: LogLine; data: LogLine }>(
    'SELECT event_id, event_type, metadata, data FROM events WHERE stream_id = $1 ORDER BY stream_version',
    [streamId],
  );
  return rows;
}

const header = (entry: (typeof collector.received)[number], name: string) => collector.header(entry, name);

describe('correlation and causation, from the HTTP request to the consumers', () => {
  it("carries the request's X-Correlation-Id into the events, their Kafka headers and the consumers' log lines", async () => {
    const agreement = (
      await api('POST', '/v1/payment-agreements', { ...SEED_001_AGREEMENT, initialPaymentCharge: undefined })
    ).body;
    const token = new URL(agreement.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
    await stack.agreements
      .get(CompleteAgreementCheckoutHandler)
      .complete({ agreementId: agreement.id, token, decision: 'APPROVE', correlationId: 'consent-1' });

    const correlationId = 'corr-trace-0001';
    const charged = await api(
      'POST',
      `/v1/payment-agreements/${agreement.id}/payment-charges`,
      { amount: { value: 2500, currency: 'USD' } },
      { 'x-correlation-id': correlationId },
    );
    expect(charged).toMatchObject({ status: 201, body: { status: 'CAPTURED' } });
    expect(charged.headers.get('x-correlation-id')).toBe(correlationId);

    // The charge's events, appended by the charges service on the agreements service's command.
    const chargeEvents = await eventsOf(`charge:${charged.body.id}`);
    expect(chargeEvents.map((e) => e.event_type)).toContain('ChargeCaptured');
    for (const event of chargeEvents) expect(event.metadata).toMatchObject({ correlationId });
    const captured = chargeEvents.find((e) => e.event_type === 'ChargeCaptured')!;

    // The agreements service consumes the outcome from Kafka and records it, caused by the charge's event.
    let settled: { event_id: string; metadata: LogLine } | undefined;
    await waitFor('the agreement to record the outcome', async () => {
      settled = (await eventsOf(`agreement:${agreement.id}`)).find(
        (e) => e.event_type === 'AgreementChargeSettled' && e.data.chargeId === charged.body.id,
      );
      return settled !== undefined;
    });
    expect(settled!.metadata).toMatchObject({ correlationId, causationId: captured.event_id });

    // Kafka: the charge's events and the agreement's answer carry the ids in their headers.
    await waitFor('the events on Kafka', () =>
      [captured.event_id, settled!.event_id].every((id) =>
        collector.received.some((r) => header(r, HEADER.eventId) === id),
      ),
    );
    const onKafka = (eventId: string) => collector.received.find((r) => header(r, HEADER.eventId) === eventId)!;
    for (const event of chargeEvents) expect(header(onKafka(event.event_id), HEADER.correlationId)).toBe(correlationId);
    expect(header(onKafka(settled!.event_id), HEADER.correlationId)).toBe(correlationId);
    expect(header(onKafka(settled!.event_id), HEADER.causationId)).toBe(captured.event_id);

    // The consumers' log lines: handled in the context of the event (its correlation, itself as the causation).
    for (const [service, inbox] of [
      ['agreements', 'agreements-charge-outcomes'],
      ['scheduler', 'scheduler-charge-outcomes'],
    ] as const) {
      await waitFor(
        `${service} to log the event it handled`,
        () => logs[service].where({ msg: 'consumer.handled', inbox, eventId: captured.event_id }).length > 0,
      );
      expect(logs[service].where({ msg: 'consumer.handled', inbox, eventId: captured.event_id })).toEqual([
        expect.objectContaining({
          service,
          level: 'debug',
          eventType: 'ChargeCaptured',
          correlationId,
          causationId: captured.event_id,
        }),
      ]);
    }
    // The gateway's and the services' lines of the request itself carry it too.
    expect(logs.gateway.where({ msg: 'http.request', correlationId })).toHaveLength(1);
  });
  it('carries the causation of the work that sends a command (a consumed event) into what the callee appends', async () => {
    const charge = (await api('POST', '/v1/payment-charges', SEED_001_CHARGE)).body;
    const token = new URL(charge.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
    // As a consumer handling an event would (eventLogContext): the sandbox page's own client of the charges service.
    const charges = sandbox.get<RpcClient>(rpcClientToken('charges'));
    await withLogContext({ correlationId: 'corr-cause-1', causationId: 'evt_cause_0001' }, () =>
      charges.send(CHARGES_PATTERNS.completeCheckout, {
        chargeId: charge.id,
        token,
        decision: 'APPROVE',
        correlationId: 'corr-cause-1',
      }),
    );
    const caused = (await eventsOf(`charge:${charge.id}`)).filter((e) => e.metadata.correlationId === 'corr-cause-1');
    expect(caused.map((e) => e.event_type)).toContain('ChargeCaptured');
    for (const event of caused) expect(event.metadata.causationId).toBe('evt_cause_0001');
    await waitFor('the caused events on Kafka', () =>
      caused.every((e) => collector.received.some((r) => header(r, HEADER.eventId) === e.event_id)),
    );
    for (const event of caused) {
      const message = collector.received.find((r) => header(r, HEADER.eventId) === event.event_id)!;
      expect(header(message, HEADER.causationId)).toBe('evt_cause_0001');
    }
  });

  it("carries the sandbox page's X-Correlation-Id into the consumer's decision's events", async () => {
    const charge = (await api('POST', '/v1/payment-charges', SEED_001_CHARGE)).body;
    const link = new URL(charge.authenticationMethods[0].details.requestUrl);
    const decided = await fetch(`${sandboxUrl}${link.pathname}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-correlation-id': 'corr-page-decide' },
      body: new URLSearchParams({ token: link.searchParams.get('token') ?? '', decision: 'APPROVE' }).toString(),
    });
    expect(decided.status).toBe(303);
    expect(decided.headers.get('x-correlation-id')).toBe('corr-page-decide');
    const events = await eventsOf(`charge:${charge.id}`);
    expect(events.filter((e) => e.metadata.correlationId === 'corr-page-decide').map((e) => e.event_type)).toContain(
      'ChargeCaptured',
    );
    expect(logs.sandbox.where({ msg: 'sandbox.checkout_completed', correlationId: 'corr-page-decide' })).toHaveLength(
      1,
    );
  });
});

describe('access log', () => {
  it('writes one line per request: method, route template, status, duration, correlation id and merchant', async () => {
    const charge = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, {
      'x-correlation-id': 'corr-access-1',
      'idempotency-key': 'idem-access-1',
    });
    expect(charge.status).toBe(201);
    const secretQuery = 'q-secret-value-9f2c';
    const read = await api('GET', `/v1/payment-charges/${charge.body.id}?expand=${secretQuery}`, undefined, {
      'x-correlation-id': 'corr-access-2',
    });
    expect(read.status).toBe(200);
    const unauthenticated = await fetch(`${stack.baseUrl}/v1/payment-charges/${charge.body.id}`, {
      headers: { 'x-correlation-id': 'corr-access-3' },
    });
    expect(unauthenticated.status).toBe(401);

    expect(logs.gateway.where({ msg: 'http.request', correlationId: 'corr-access-1' })).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'gateway',
        method: 'POST',
        route: '/v1/payment-charges',
        status: 201,
        durationMs: expect.any(Number),
        merchantId,
        time: expect.any(String),
      }),
    ]);
    expect(logs.gateway.where({ msg: 'http.request', correlationId: 'corr-access-2' })).toEqual([
      expect.objectContaining({ method: 'GET', route: '/v1/payment-charges/:id', status: 200, merchantId }),
    ]);
    // Refused before any merchant is known: logged all the same, without one.
    const refused = logs.gateway.where({ msg: 'http.request', correlationId: 'corr-access-3' });
    expect(refused).toEqual([expect.objectContaining({ route: '/v1/payment-charges/:id', status: 401 })]);
    expect(refused[0]).not.toHaveProperty('merchantId');

    const gatewayText = logs.gateway.raw.join('');
    expect(gatewayText).not.toContain(secretQuery);
    expect(gatewayText).not.toContain(charge.body.id); // ids only through the route template
    expect(gatewayText).not.toContain(apiKey);
  });

  it('logs health probes at debug only', async () => {
    const probe = await fetch(`${stack.baseUrl}/health/live`, { headers: { 'x-correlation-id': 'corr-probe-1' } });
    expect(probe.status).toBe(200);
    expect(logs.gateway.where({ msg: 'http.request', correlationId: 'corr-probe-1' })).toEqual([
      expect.objectContaining({ level: 'debug', route: '/health/live', status: 200 }),
    ]);
  });

  it("logs the sandbox page's requests by route, never the link's token, in the request's correlation", async () => {
    const charge = (await api('POST', '/v1/payment-charges', SEED_001_CHARGE)).body;
    const link = new URL(charge.authenticationMethods[0].details.requestUrl);
    const token = link.searchParams.get('token') ?? '';
    expect(token.length).toBeGreaterThan(20);
    const page = await fetch(`${sandboxUrl}${link.pathname}${link.search}`, {
      headers: { 'x-correlation-id': 'corr-page-1' },
    });
    expect(page.status).toBe(200);
    const forged = await fetch(`${sandboxUrl}${link.pathname}?token=forged-token-value`, {
      headers: { 'x-correlation-id': 'corr-page-2' },
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);

    expect(logs.sandbox.where({ msg: 'http.request', correlationId: 'corr-page-1' })).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'sandbox',
        method: 'GET',
        route: '/amazon-pay/checkout/:chargeId',
        status: 200,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(logs.sandbox.where({ msg: 'http.request', correlationId: 'corr-page-2' })).toEqual([
      expect.objectContaining({ route: '/amazon-pay/checkout/:chargeId', status: forged.status }),
    ]);
    const text = Object.values(logs)
      .flatMap((l) => l.raw)
      .join('');
    expect(text).not.toContain(token);
    expect(text).not.toContain('forged-token-value');
  });
});
