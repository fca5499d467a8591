/**
 * Security checks as tests (issue 19, item 3), on the real gateway, services and sandbox page (real PostgreSQL and
 * Kafka). Each point of the item, and where it is tested (here, or in the suite named):
 *
 *  - no cross-merchant read or write on any route ........ here ("another merchant's objects"); the internal transport's
 *                                                          tenant guard in rpc-security.int-spec.ts
 *  - API keys stored hashed ................................ here ("API keys"); merchant.repository.int-spec.ts
 *  - rate limits per key and per address, 429 Retry-After .. rate-limits.int-spec.ts
 *  - failed key lookups do not cost a query each ........... here ("API keys"); rate-limits.int-spec.ts (one wrong
 *                                                          key repeated costs one lookup)
 *  - body and header size limits ........................... fuzz.int-spec.ts (10 MB bodies 413, over-long ids 414,
 *                                                          random headers), rpc-security.int-spec.ts (5 MB frames)
 *  - HTTP request and connection timeouts .................. fuzz.int-spec.ts ("slow clients and big bodies", "known
 *                                                          defects": 408 past GATEWAY_HEADERS_TIMEOUT_MS)
 *  - security headers on the hosted pages, no-store on API . here ("response headers")
 *  - forged internal commands refused ...................... rpc-security.int-spec.ts, libs/rpc/src/*.int-spec.ts
 *  - the SSRF guard on every outbound URL .................. here ("outbound URLs"); payment-charges,
 *                                                          payment-agreements and webhooks .int-spec.ts (refused at
 *                                                          creation); libs/platform/src/outbound/outbound-url.spec.ts
 *  - no secrets or personal data in logs ................... here ("logs"); request-tracing.int-spec.ts (no token
 *                                                          in the sandbox's access lines)
 *  - services on a role that can only SELECT and INSERT
 *    on the event store .................................... service-role.int-spec.ts
 *  - npm audit --omit=dev .................................. scripts/audit-production.sh (CI's lint job)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import SwaggerParser from '@apidevtools/swagger-parser';
import { loadConfig, type LogSink } from '@payment-ledger/platform';
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { hashApiKey } from '../../apps/gateway/src/application/api-keys/api-key-secret';
import { MerchantRepository } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { sandboxConfigSchema } from '../../apps/sandbox/src/sandbox.config';
import { sendWebhook } from '../../apps/webhooks/src/infrastructure/webhook-sender';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { sleep, waitFor } from '../support/wait';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document and the answers are walked as plain JSON */
type Json = any;

/** Every raw log line a service writes, kept for the "logs" checks. */
class LogLines implements LogSink {
  readonly raw: string[] = [];
  write(line: string): void {
    this.raw.push(line);
  }
}
const logs = {
  gateway: new LogLines(),
  charges: new LogLines(),
  agreements: new LogLines(),
  scheduler: new LogLines(),
  refunds: new LogLines(),
  webhooks: new LogLines(),
  sandbox: new LogLines(),
};

/** The stack's services' sinks (the sandbox page is started here, with its own). */
const { sandbox: _sandboxLogs, ...serviceLogs } = logs;

/** A personal name to look for in the logs: nothing else in the suite says it. */
const CONSUMER_NAME = 'Zebediah Quillfeather';

let db: TestDatabase;
let stack: PaymentStack;
let sandbox: INestApplication;
let sandboxUrl = '';
let receiver: Server;
let receiverUrl = '';
const received: string[] = [];

/** The merchant whose objects are aimed at, and the one aiming. */
const victim = {
  apiKey: '',
  merchantId: '',
  ids: {} as Record<string, string[]>,
  /** The charge a capture, void, refund or chargeback is of: a nested path names both. */
  chargeOf: {} as Record<string, string>,
};
const intruder = { apiKey: '', merchantId: '' };
/** Secrets the flows saw: none may be in a table in clear (keys) or in any log line. */
const secrets = { apiKeys: [] as string[], webhookSecrets: [] as string[], pageTokens: [] as string[] };

beforeAll(async () => {
  db = await TestDatabase.create();
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push(`${request.method} ${request.url} ${body}`);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  stack = await new PaymentStack(db, undefined, {
    webhooks: true,
    ledger: true,
    env: { LOG_LEVEL: 'debug' },
    logSinks: serviceLogs,
  }).start();
  const config = loadConfig(sandboxConfigSchema, {
    ...stack.sharedEnv,
    SANDBOX_PORT: '0',
    CHARGES_TCP_PORT: String(stack.ports.charges),
    AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
  });
  sandbox = await createSandboxApp(config, { logSink: logs.sandbox });
  await sandbox.listen(0, '127.0.0.1');
  sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');

  const a = await stack.merchant('Victim Books');
  const b = await stack.merchant('Intruder Books');
  Object.assign(victim, { apiKey: a.apiKey, merchantId: a.merchant.id });
  Object.assign(intruder, { apiKey: b.apiKey, merchantId: b.merchant.id });
  secrets.apiKeys.push(a.apiKey, b.apiKey);
  await createVictimObjects();
  // The intruder has objects of its own, so its lists are not empty by having nothing.
  const own = apiClient(stack.baseUrl, intruder.apiKey);
  await stack.approvedCharge(own, 'AUTOMATIC', {
    ...SEED_001_CHARGE,
    consumer: { name: CONSUMER_NAME, country: 'US' },
  });
  await own('POST', '/v1/payment-agreements', SEED_001_AGREEMENT);
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  await stack?.stop();
  await new Promise((done) => receiver?.close(done));
  await db?.drop();
});

/** The hosted page's link of a charge or an agreement as created: its path and its token. */
function linkOf(object: Json): { path: string; token: string } {
  const url = new URL(object.authenticationMethods[0].details.requestUrl);
  return { path: url.pathname, token: url.searchParams.get('token') ?? '' };
}

/** One object of every kind an id in a path or a filter can name, all the victim's. */
async function createVictimObjects(): Promise<void> {
  const api = apiClient(stack.baseUrl, victim.apiKey);
  const add = (kind: string, id: unknown) => {
    if (typeof id !== 'string') throw new Error(`no ${kind} id`);
    (victim.ids[kind] ??= []).push(id);
  };
  const endpoint = await api('POST', '/v1/webhook-endpoints', { url: `${receiverUrl}/hooks` });
  add('endpoint', endpoint.body.webhookEndpointId);
  secrets.webhookSecrets.push(endpoint.body.secret);
  const charge = { ...SEED_001_CHARGE, consumer: { name: CONSUMER_NAME, country: 'US' } };
  const automatic = await stack.approvedCharge(api, 'AUTOMATIC', charge);
  const manual = await stack.approvedCharge(api, 'MANUAL', charge);
  add('charge', automatic);
  add('charge', manual);
  const capture = await api('POST', `/v1/payment-charges/${manual}/captures`, { amount: 400 });
  add('capture', capture.body.id);
  victim.chargeOf[capture.body.id] = manual;
  const voided = await api('POST', `/v1/payment-charges/${manual}/voids`, {});
  add('void', voided.body.id);
  victim.chargeOf[voided.body.id] = manual;
  const refund = await api('POST', `/v1/payment-charges/${automatic}/refunds`, { amount: 100 });
  add('refund', refund.body.id);
  victim.chargeOf[refund.body.id] = automatic;
  const chargeback = await api('POST', `/v1/payment-charges/${automatic}/chargebacks`, { amount: 100, reason: 'x' });
  add('chargeback', chargeback.body.id);
  victim.chargeOf[chargeback.body.id] = automatic;
  const agreement = await api('POST', '/v1/payment-agreements', {
    ...SEED_001_AGREEMENT,
    consumer: { name: CONSUMER_NAME, country: 'US' },
  });
  add('agreement', agreement.body.id);
  const link = linkOf(agreement.body);
  secrets.pageTokens.push(link.token);
  await stack.agreements.get(CompleteAgreementCheckoutHandler).complete({
    agreementId: agreement.body.id,
    token: link.token,
    decision: 'APPROVE',
    correlationId: 'security',
  });
  const pending = await api('POST', '/v1/payment-charges', charge);
  add('charge', pending.body.id);
  secrets.pageTokens.push(linkOf(pending.body).token);
  await waitFor('the victim’s events', async () => {
    const events = await api('GET', '/v1/events?limit=5');
    return (events.body.data ?? []).length >= 3;
  });
  for (const event of (await api('GET', '/v1/events?limit=5')).body.data) add('event', event.id);
  for (const kind of ['charge', 'agreement', 'capture', 'refund', 'chargeback', 'endpoint', 'event']) {
    expect(victim.ids[kind]?.length).toBeGreaterThan(0);
  }
}

// ---------------------------------------------------------------------------------------------------------------

interface Operation {
  operationId: string;
  method: string;
  template: string;
  params: string[];
  query: string[];
  hasBody: boolean;
  authenticated: boolean;
}

async function operationsOf(baseUrl: string): Promise<Operation[]> {
  const document = (await SwaggerParser.dereference(
    (await (await fetch(`${baseUrl}/docs-json`)).json()) as Json,
  )) as Json;
  const found: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(document.paths)) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      const parameters: Json[] = operation.parameters ?? [];
      found.push({
        operationId: operation.operationId,
        method: method.toUpperCase(),
        template,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: operation.requestBody !== undefined,
        authenticated: (operation.security ?? document.security ?? []).length > 0,
      });
    }
  }
  return found;
}

/** What kind of object a path parameter names. */
function kindOf(template: string, param: string): string {
  if (param !== 'id') return param.replace(/Id$/, '');
  if (template.startsWith('/v1/payment-agreements')) return 'agreement';
  if (template.startsWith('/v1/webhook-endpoints')) return 'endpoint';
  if (template.startsWith('/v1/events')) return 'event';
  return 'charge';
}

/**
 * A body each acting operation accepts (so the answer is about the id, not the body): checked below by sending it with
 * ids that do not exist, which must be a 404 too, never a 400.
 */
const BODIES: Record<string, unknown> = {
  'POST /v1/payment-charges/{id}/captures': { amount: 100 },
  'POST /v1/payment-charges/{id}/voids': {},
  'POST /v1/payment-charges/{id}/refunds': { amount: 100 },
  'POST /v1/payment-charges/{id}/chargebacks': { amount: 100, reason: 'fraud' },
  'POST /v1/payment-charges/{id}/chargebacks/{chargebackId}/resolutions': { outcome: 'WON' },
  'POST /v1/payment-agreements/{id}/revocations': {},
  'POST /v1/payment-agreements/{id}/payment-charges': { amount: { value: 500, currency: 'USD' } },
  'POST /v1/payment-agreements/{id}/test-clock/advances': { seconds: 3600 },
  'PATCH /v1/webhook-endpoints/{id}': { description: 'taken over' },
  'POST /v1/webhook-endpoints/{id}/secret-rotations': {},
  'POST /v1/webhook-endpoints/{id}/test-events': {},
  'POST /v1/webhook-endpoints/{id}/redeliveries': { from: '2020-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' },
  'POST /v1/events/{id}/redeliveries': {},
};

/** A made-up id of a kind's prefix: an object that exists nowhere. */
function unknownIdLike(id: string): string {
  return id.replace(/[0-9a-f]{32}/, randomBytes(16).toString('hex'));
}

/** Every row of every table, as text, and the event log's end: what a refused write must leave as it was. */
async function snapshot(): Promise<Record<string, string[]>> {
  const { rows: tables } = await db.pool.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, relname) AS name FROM pg_stat_user_tables ORDER BY 1`,
  );
  const all: Record<string, string[]> = {};
  for (const { name } of tables) {
    const { rows } = await db.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
    all[name] = rows.map((r) => r.row).sort();
  }
  return all;
}

/** A snapshot once the background work (consumers, deliveries, projections) has stopped changing anything. */
async function settled(): Promise<Record<string, string[]>> {
  let last = await snapshot();
  for (let i = 0; i < 40; i++) {
    await sleep(300);
    const now = await snapshot();
    if (JSON.stringify(now) === JSON.stringify(last)) return now;
    last = now;
  }
  throw new Error('the stack did not settle within 12 s');
}

/** Tables a refused request may add its own rows to: the intruder's idempotency records, never the victim's. */
const OWN_ROWS_ALLOWED = new Set(['public.idempotency_keys']);

describe("another merchant's objects", () => {
  const intruderApi = () => apiClient(stack.baseUrl, intruder.apiKey);
  const allVictimIds = () => Object.values(victim.ids).flat();
  const mentionsVictim = (body: unknown) => {
    const text = JSON.stringify(body) ?? '';
    return allVictimIds()
      .filter((id) => text.includes(id))
      .concat(text.includes(victim.merchantId) ? ['merchant'] : []);
  };

  it('are not found through any path of the API document: 404 as for an id that exists nowhere, and nothing written', async () => {
    const operations = (await operationsOf(stack.baseUrl)).filter((o) => o.params.length > 0 && o.authenticated);
    expect(operations.length).toBeGreaterThanOrEqual(20);
    // The victim's background work (deliveries, projections) settles first, so what changes after is the intruder's.
    await waitFor('the victim’s deliveries', () => received.length >= 3);
    const before = await settled();
    const api = intruderApi();
    const tried: string[] = [];
    for (const operation of operations) {
      const key = `${operation.method} ${operation.template}`;
      if (operation.hasBody && !(key in BODIES)) throw new Error(`no body for ${key}: add one to BODIES`);
      for (let i = 0; i < 2; i++) {
        const values: Record<string, string> = Object.fromEntries(
          operation.params.map((p) => {
            const ids = victim.ids[kindOf(operation.template, p)] ?? [];
            if (ids.length === 0) throw new Error(`no victim id for ${p} of ${key}`);
            return [p, ids[i % ids.length]];
          }),
        );
        // A nested object is named under its own charge.
        for (const p of operation.params) if (victim.chargeOf[values[p]]) values.id = victim.chargeOf[values[p]];
        const path = operation.template.replace(/\{(\w+)\}/g, (_, p: string) => values[p]);
        const unknownPath = operation.template.replace(/\{(\w+)\}/g, (_, p: string) => unknownIdLike(values[p]));
        const headers = { 'request-idempotency-key': randomUUID() };
        const answer = await api(operation.method, path, BODIES[key], headers);
        const unknown = await api(operation.method, unknownPath, BODIES[key], {
          'request-idempotency-key': randomUUID(),
        });
        tried.push(`${answer.status} ${operation.method} ${path}`);
        if (operation.method === 'GET') {
          // The control: the same read by its owner finds it, so the 404 is about whose it is.
          const own = await apiClient(stack.baseUrl, victim.apiKey)('GET', path);
          expect({ key, status: own.status }).toEqual({ key, status: 200 });
        }
        expect({ key, status: answer.status, mentions: mentionsVictim(answer.body) }).toEqual({
          key,
          status: 404,
          mentions: [],
        });
        expect({ key, status: unknown.status }).toEqual({ key, status: 404 });
        // No oracle: the victim's id is answered word for word as an id of nobody (the id itself aside).
        expect({ key, code: answer.body.failureCode }).toEqual({ key, code: unknown.body.failureCode });
      }
    }
    expect(tried.length).toBe(operations.length * 2);
    const after = await snapshot();
    for (const [table, rows] of Object.entries(after)) {
      const added = rows.filter((row) => !before[table]?.includes(row));
      const removed = (before[table] ?? []).filter((row) => !rows.includes(row));
      expect({ table, removed }).toEqual({ table, removed: [] });
      if (OWN_ROWS_ALLOWED.has(table)) {
        for (const row of added) expect(row).toContain(intruder.merchantId);
      } else {
        expect({ table, added }).toEqual({ table, added: [] });
      }
    }
  });

  it('are in no list: their ids as filters and cursors give an empty page or the same refusal as unknown ids', async () => {
    const lists = (await operationsOf(stack.baseUrl)).filter(
      (o) => o.method === 'GET' && o.params.length === 0 && o.authenticated,
    );
    const idParams = lists.flatMap((o) =>
      o.query.filter((q) => /Id$|^startingAfter$|^endingBefore$/.test(q)).map((q) => ({ operation: o, q })),
    );
    expect(idParams.map(({ operation, q }) => `${operation.template}?${q}`)).toEqual(
      expect.arrayContaining(['/v1/payment-charges?startingAfter', '/v1/events?startingAfter']),
    );
    const api = intruderApi();
    let emptyPages = 0;
    for (const { operation, q } of idParams) {
      for (const id of allVictimIds()) {
        const answer = await api('GET', `${operation.template}?${q}=${encodeURIComponent(id)}`);
        const unknown = await api('GET', `${operation.template}?${q}=${encodeURIComponent(unknownIdLike(id))}`);
        const where = `${operation.template}?${q}=${id}`;
        expect({ where, mentions: mentionsVictim(answer.body) }).toEqual({ where, mentions: [] });
        expect({ where, status: answer.status, code: answer.body?.failureCode }).toEqual({
          where,
          status: unknown.status,
          code: unknown.body?.failureCode,
        });
        if (answer.status === 200) {
          // A filter on a victim's object selects nothing; a cursor may page on through the intruder's own objects.
          if (q !== 'startingAfter' && q !== 'endingBefore')
            expect({ where, data: answer.body.data }).toEqual({ where, data: [] });
          emptyPages += 1;
        }
      }
    }
    expect(emptyPages).toBeGreaterThan(0);
    // Unfiltered, the intruder's lists and balances hold its own objects only.
    for (const operation of lists) {
      const answer = await api('GET', operation.template);
      expect({ where: operation.template, mentions: mentionsVictim(answer.body) }).toEqual({
        where: operation.template,
        mentions: [],
      });
    }
  });
});

describe('API keys', () => {
  it('are stored as their SHA-256 digest only: no row of any table holds a key', async () => {
    const { rows } = await db.pool.query<{ merchant_id: string; key_hash: Buffer }>(
      'SELECT merchant_id, key_hash FROM api_keys WHERE merchant_id = ANY($1)',
      [[victim.merchantId, intruder.merchantId]],
    );
    expect(rows.map((r) => r.key_hash)).toEqual(
      expect.arrayContaining([hashApiKey(victim.apiKey), hashApiKey(intruder.apiKey)]),
    );
    const everything = JSON.stringify(await snapshot());
    for (const key of secrets.apiKeys) {
      // The key, or its random part alone (a prefix shown in listings is 16 characters, never more).
      expect(everything.includes(key)).toBe(false);
      expect(everything.includes(key.slice(16))).toBe(false);
    }
  });

  it('cost no lookup when made up, and a lookup each only up to the address’s burst when well-formed', async () => {
    const { app, baseUrl } = await stack.startGateway({
      GATEWAY_RATE_LIMIT_PER_ADDRESS: '1',
      GATEWAY_RATE_LIMIT_ADDRESS_BURST: '400',
    });
    try {
      const lookups = jest.spyOn(app.get(MerchantRepository), 'findByApiKey');
      const call = (key: string) =>
        fetch(`${baseUrl}/v1/payment-charges`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
      // 300 made-up keys of other shapes: refused as they are, not one query.
      const madeUp = await Promise.all(Array.from({ length: 300 }, (_, i) => call(`sk_sandbox_guess-${i}`)));
      expect(new Set(madeUp)).toEqual(new Set([401]));
      expect(lookups).toHaveBeenCalledTimes(0);
      // Well-formed guesses are each a lookup until the address has spent its burst; then 429s, no lookups.
      const guesses = await Promise.all(
        Array.from({ length: 200 }, () => call(`sk_sandbox_${randomBytes(32).toString('base64url')}`)),
      );
      expect(guesses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(98);
      expect(lookups.mock.calls.length).toBe(guesses.filter((s) => s === 401).length);
      expect(lookups.mock.calls.length).toBeLessThanOrEqual(102);
    } finally {
      await app.close();
    }
  });
});

describe('response headers', () => {
  it('are no-store and nosniff on every API answer: 2xx, 4xx, 429, and refusals made before any route', async () => {
    const api = apiClient(stack.baseUrl, victim.apiKey);
    const answers = [
      await api('GET', `/v1/payment-charges/${victim.ids.charge[0]}`),
      await api('POST', '/v1/payment-charges', SEED_001_CHARGE),
      await api('GET', '/v1/payment-charges?limit=1'),
      await api('GET', `/v1/payment-charges/${unknownIdLike(victim.ids.charge[0])}`),
      await api('POST', '/v1/payment-charges', '{"amount":'),
      await apiClient(stack.baseUrl, 'sk_sandbox_nothing')('GET', '/v1/payment-charges'),
      await api('GET', `/v1/payment-charges/charge_${'a'.repeat(200)}`),
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 200, 404, 400, 401, 414]);
    const limited = await stack.startGateway({
      GATEWAY_RATE_LIMIT_PER_ADDRESS: '1',
      GATEWAY_RATE_LIMIT_ADDRESS_BURST: '1',
    });
    try {
      // Plain fetch: apiClient would spend the one request on the API document.
      const once = () =>
        fetch(`${limited.baseUrl}/v1/payment-charges?limit=1`, {
          headers: { authorization: `Bearer ${victim.apiKey}` },
        });
      expect((await once()).status).toBe(200);
      const refused = await once();
      expect(refused.status).toBe(429);
      answers.push({ status: refused.status, body: await refused.json(), headers: refused.headers });
    } finally {
      await limited.app.close();
    }
    for (const answer of answers) {
      expect({ status: answer.status, cache: answer.headers.get('cache-control') }).toEqual({
        status: answer.status,
        cache: 'no-store',
      });
      expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('of the hosted pages: a CSP with no source but its own stylesheet, no framing, no referrer, nosniff, no-store', async () => {
    const api = apiClient(stack.baseUrl, victim.apiKey);
    const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
    const link = linkOf(created.body);
    secrets.pageTokens.push(link.token);
    const pages = [
      await fetch(`${sandboxUrl}${link.path}?token=${link.token}`),
      await fetch(`${sandboxUrl}${link.path}?token=wrong`),
      await fetch(`${sandboxUrl}/amazon-pay/agreements/${unknownIdLike(victim.ids.agreement[0])}?token=x`),
      await fetch(`${sandboxUrl}${link.path}`, { method: 'POST' }),
    ];
    expect(pages.map((p) => p.status)).toEqual([200, 404, 404, 400]);
    const html = await pages[0].text();
    expect(html).toContain('<form');
    for (const page of pages) {
      const csp = page.headers.get('content-security-policy') ?? '';
      const directives = Object.fromEntries(
        csp.split(';').map((d) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives['default-src']).toEqual(["'none'"]);
      expect(directives['frame-ancestors']).toEqual(["'none'"]);
      expect(directives['style-src']).toEqual([expect.stringMatching(/^'sha256-[A-Za-z0-9+/]+=*'$/)]);
      // No host, scheme or wildcard anywhere: nothing third-party can be loaded.
      expect(csp).not.toMatch(/https?:|\*|'unsafe-|data:/);
      expect(page.headers.get('referrer-policy')).toBe('no-referrer');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
    // The hash allows the page's own stylesheet, byte for byte.
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (await import('node:crypto')).createHash('sha256').update(style, 'utf8').digest('base64');
    expect(pages[0].headers.get('content-security-policy')).toContain(`'sha256-${hash}'`);
  });
});

describe('outbound URLs (SSRF)', () => {
  it('are checked again when called: a URL approved earlier is refused once its host is not allowed, and no request leaves', async () => {
    const before = received.length;
    const policy = { allowedHosts: [] };
    for (const url of [
      `${receiverUrl}/hooks`,
      `https://127.0.0.1:${new URL(receiverUrl).port}/hooks`,
      'https://localhost/hooks',
    ]) {
      const sent = await sendWebhook(url, {}, '{}', { timeoutMs: 2_000, maxBodyBytes: 1_000, policy });
      expect({ url, error: sent.error }).toEqual({ url, error: 'refused_address' });
    }
    expect(received.length).toBe(before);
  });

  it('are not followed through a redirect: a receiver answering 302 to a private address is a failed attempt', async () => {
    let reached = 0;
    const inside = createServer((_request, response) => {
      reached += 1;
      response.writeHead(200).end('metadata');
    });
    await new Promise<void>((done) => inside.listen(0, '127.0.0.1', done));
    const redirecting = createServer((_request, response) => {
      response
        .writeHead(302, { location: `http://127.0.0.1:${(inside.address() as AddressInfo).port}/latest/meta-data` })
        .end();
    });
    await new Promise<void>((done) => redirecting.listen(0, '127.0.0.1', done));
    try {
      const sent = await sendWebhook(
        `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/hooks`,
        {},
        '{}',
        {
          timeoutMs: 2_000,
          maxBodyBytes: 1_000,
          policy: { allowedHosts: ['127.0.0.1'] },
        },
      );
      expect(sent.status).toBe(302);
      expect(reached).toBe(0);
    } finally {
      await new Promise((done) => inside.close(done));
      await new Promise((done) => redirecting.close(done));
    }
  });
});

describe('logs', () => {
  it('hold no API key, webhook secret, hosted-page token or consumer name, after every flow of this file', async () => {
    // One more flow with all of them: a page opened and decided through the sandbox, a delivery signed and sent.
    const api = apiClient(stack.baseUrl, victim.apiKey);
    const created = await api('POST', '/v1/payment-charges', {
      ...SEED_001_CHARGE,
      consumer: { name: CONSUMER_NAME, country: 'US' },
    });
    const link = linkOf(created.body);
    secrets.pageTokens.push(link.token);
    await fetch(`${sandboxUrl}${link.path}?token=${link.token}`);
    const decided = await fetch(`${sandboxUrl}${link.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(link.token)}&decision=APPROVE`,
      redirect: 'manual',
    });
    expect(decided.status).toBe(303);
    const rotated = await api('POST', '/v1/webhook-signing-secret/rotations', {});
    for (const value of JSON.stringify(rotated.body).match(/whsec_[A-Za-z0-9+/=]+/g) ?? [])
      secrets.webhookSecrets.push(value);
    await waitFor('the decision’s delivery', () => received.some((r) => r.includes(created.body.id)));

    expect(secrets.webhookSecrets.length).toBeGreaterThan(0);
    expect(secrets.pageTokens.length).toBeGreaterThanOrEqual(3);
    const lines = Object.entries(logs).flatMap(([service, sink]) => sink.raw.map((line) => ({ service, line })));
    expect(lines.length).toBeGreaterThan(100);
    const found = [];
    for (const { service, line } of lines) {
      for (const [what, values] of Object.entries({ ...secrets, consumerName: [CONSUMER_NAME] })) {
        for (const value of values) {
          if (value && line.includes(value)) found.push(`${service}: ${what} in ${line.slice(0, 300)}`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});
