/**
 * Bad input (issue 19, item 2): the gateway, driven by its own OpenAPI document and fast-check, with random and
 * malformed bodies, headers, path ids and query parameters on every operation (huge and odd numbers, NUL, unpaired
 * surrogates, right-to-left marks, overlong UTF-8 sent raw, deep nesting, 10 MB bodies), slow clients sending a byte a
 * second, and the sandbox's hosted pages and the provider-notification route beside it. What must hold:
 *   - never a 5xx;
 *   - never a stack trace, a file path or SQL in an answer;
 *   - every 4xx carries a machine-readable `failureCode` (the gateway's error shape, the hosted pages' X-Failure-Code);
 *   - every answer the document describes is as it says (test/support/api-contract.ts);
 *   - no half-stored object: every stream the event store holds is an object some 2xx answer named;
 *   - while slow clients and big bodies are in flight, a well-behaved client is answered at once, and the gateway
 *     closes the slow ones at its timeouts (GATEWAY_HEADERS_TIMEOUT_MS, GATEWAY_REQUEST_TIMEOUT_MS).
 *
 * Bounded for CI (about a minute); `FUZZ_RUNS=<cases per operation>` runs longer (`npm run test:fuzz` runs 200), and
 * `FUZZ_SEED=<seed>` repeats a run: the seed is printed first. A failing property also prints fast-check's own
 * counterexample (its seed and path).
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import SwaggerParser from '@apidevtools/swagger-parser';
import fc from 'fast-check';
import { FAILURE_CODES } from '@payment-ledger/contracts';
import { amazonPayNotificationBody, signSandboxNotification } from '@payment-ledger/payment-methods';
import { loadConfig } from '@payment-ledger/platform';
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { sandboxConfigSchema } from '../../apps/sandbox/src/sandbox.config';
import { type ApiContract, apiContractOf } from '../support/api-contract';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { type RawAnswer, rawExchange, type RawRequest, rawRequestBytes, trickle } from '../support/raw-http';
import { TestDatabase } from '../support/test-database';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document and the answers are walked as plain JSON */
type Json = any;

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Cases per operation and kind of input (bodies, ids, queries, headers). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
/** The fuzzed gateway's timeouts: short, so slow clients are dealt with within the test's time. */
const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 3_000;

let db: TestDatabase;
let stack: PaymentStack;
let contract: ApiContract;
let sandbox: NestExpressApplication;
let sandboxUrl = '';
let apiKey = '';
let otherKey = '';
let operations: Operation[] = [];
/** Real ids by path parameter (`charge`, `agreement`, ...), so fuzzed requests also reach the code behind a 404. */
const realIds: Record<string, string[]> = {};
/** Real hosted-page links (path and token). */
const links: { path: string; token: string }[] = [];
/** Every id named by a 2xx answer to a request that acts (and by the set-up). */
const acknowledgedIds = new Set<string>();
/** Answers by kind of input and status, for the report. */
const counts: Record<string, Record<number, number>> = {};
const violations: string[] = [];

interface Operation {
  method: string;
  template: string;
  params: string[];
  query: Record<string, Json>;
  body?: { mediaType: string; schema: Json };
}

beforeAll(async () => {
  console.log(`fuzz: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}`);
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { providerNotifications: true, ledger: true }).start();
  // The fuzzed gateway is the stack's, restarted with short timeouts on the port the sandbox notifies.
  const port = Number(new URL(stack.baseUrl).port);
  await stack.gateway.close();
  ({ app: stack.gateway, baseUrl: stack.baseUrl } = await stack.startGateway(
    {
      GATEWAY_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      GATEWAY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    },
    port,
  ));
  contract = await apiContractOf(stack.baseUrl);
  apiKey = (await stack.merchant('Fuzzed Books')).apiKey;
  otherKey = (await stack.merchant('Other Books')).apiKey;
  operations = await operationsOf(contract.document);
  await createRealObjects();

  const config = loadConfig(sandboxConfigSchema, {
    ...stack.sharedEnv,
    SANDBOX_PORT: '0',
    CHARGES_TCP_PORT: String(stack.ports.charges),
    AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
  });
  sandbox = await createSandboxApp(config);
  await sandbox.listen(0, '127.0.0.1');
  sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
});

afterAll(async () => {
  console.log(`fuzz: FUZZ_SEED=${SEED} requests by kind ${JSON.stringify(counts)}`);
  await sandbox?.close();
  await stack?.stop();
  await db?.drop();
});

/** The document's operations, dereferenced: path parameters, query parameters and body schema. */
async function operationsOf(document: Json): Promise<Operation[]> {
  const dereferenced = (await SwaggerParser.dereference(structuredClone(document))) as Json;
  const found: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(dereferenced.paths)) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      const parameters: Json[] = operation.parameters ?? [];
      const content = operation.requestBody?.content ?? {};
      const mediaType = Object.keys(content)[0];
      found.push({
        method: method.toUpperCase(),
        template,
        params: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: Object.fromEntries(parameters.filter((p) => p.in === 'query').map((p) => [p.name, p.schema ?? {}])),
        body: mediaType ? { mediaType, schema: content[mediaType].schema ?? {} } : undefined,
      });
    }
  }
  return found;
}

/** A charge, a refund, a capture, a void, a chargeback, an agreement, a webhook endpoint and an event to aim at. */
async function createRealObjects(): Promise<void> {
  const api = apiClient(stack.baseUrl, apiKey);
  const add = (kind: string, id: unknown) => {
    if (typeof id !== 'string') throw new Error(`no ${kind} id`);
    (realIds[kind] ??= []).push(id);
    acknowledgedIds.add(id);
  };
  const automatic = await stack.approvedCharge(api, 'AUTOMATIC');
  const manual = await stack.approvedCharge(api, 'MANUAL');
  add('charge', automatic);
  add('charge', manual);
  const pending = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
  add('charge', pending.body.id);
  links.push(linkOf(pending.body));
  const capture = await api('POST', `/v1/payment-charges/${manual}/captures`, { amount: 400 });
  add('capture', capture.body.id);
  const voided = await api('POST', `/v1/payment-charges/${manual}/voids`, {});
  add('void', voided.body.id);
  const refund = await api('POST', `/v1/payment-charges/${automatic}/refunds`, { amount: 100 });
  add('refund', refund.body.id);
  const chargeback = await api('POST', `/v1/payment-charges/${automatic}/chargebacks`, { amount: 100, reason: 'x' });
  add('chargeback', chargeback.body.id);
  const agreement = await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT);
  add('agreement', agreement.body.id);
  const pendingAgreement = await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT);
  add('agreement', pendingAgreement.body.id);
  links.push(linkOf(pendingAgreement.body));
  await stack.agreements.get(CompleteAgreementCheckoutHandler).complete({
    agreementId: agreement.body.id,
    token: linkOf(agreement.body).token,
    decision: 'APPROVE',
    correlationId: 'fuzz',
  });
  const endpoint = await api('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hooks' });
  add('endpoint', endpoint.body.webhookEndpointId);
  const events = await api('GET', '/v1/events?limit=3');
  for (const event of events.body.data ?? []) add('event', event.id);
  for (const answer of [pending, capture, voided, refund, chargeback, agreement, pendingAgreement, endpoint]) {
    acknowledge(answer.body);
  }
}

function linkOf(object: Json): { path: string; token: string } {
  const url = new URL(object.authenticationMethods[0].details.requestUrl);
  return { path: url.pathname, token: url.searchParams.get('token') ?? '' };
}

/** Notes every id in an acting request's 2xx answer. */
function acknowledge(body: unknown): void {
  if (typeof body === 'string') acknowledgedIds.add(body);
  else if (Array.isArray(body)) body.forEach(acknowledge);
  else if (body && typeof body === 'object') Object.values(body).forEach(acknowledge);
}

// ---------------------------------------------------------------------------------------------------------------
// What is sent: the nasty values.

/** A JSON text fragment put into a body as it is (a number JSON.stringify cannot write, say). */
class RawJson {
  constructor(readonly text: string) {}
}

function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, inner]) => `${JSON.stringify(key)}:${toJsonText(inner)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const NASTY_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '\u202eevil\u202c',
  '\u200f\u200e',
  '\ufeff',
  '\u2028\u2029',
  'e\u0301\u0301\u0301',
  '𝕏🙂',
  '\u0007\u001b[31m',
  '%00%zz',
  '../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE events; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'NaN',
  'Infinity',
  '-0',
  '1e400',
  'null',
  '__proto__',
  'constructor',
  'x'.repeat(5_000),
];
const NASTY_NUMBERS = [
  '1e400',
  '-1e400',
  '-0',
  '0.0',
  '1e-400',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551616',
  '123456789012345678901234567890',
  '2147483648',
  '1.5',
  '1E2',
  '0.1e1',
  '-1',
];
/** Not JSON at all (the body then is not valid JSON): 400 invalid_json, never a 500. */
const NOT_JSON = ['NaN', 'Infinity', '0x10', '01', '+1', '.5', "'single'", 'undefined', '{"a":1,}'];

const nastyText = fc.oneof(
  fc.constantFrom(...NASTY_TEXT),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);
const nastyNumber = fc.oneof(
  fc.constantFrom(...NASTY_NUMBERS).map((text) => new RawJson(text)),
  fc.double().map((n) => (Number.isFinite(n) ? n : new RawJson(String(n)))),
  fc.integer(),
);
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyText,
  nastyNumber,
  fc.constantFrom(null, true, false, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(...NOT_JSON).map((text) => new RawJson(text)),
);

/** Values of a schema: mostly valid ones (so requests get past the first check), now and then a nasty one. */
function fromSchema(schema: Json, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 5, arbitrary: validFor(schema, depth) }, { weight: 1, arbitrary: nastyValue });
}

function validFor(schema: Json, depth: number): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return nastyValue;
  if (schema.allOf) return validFor(Object.assign({}, ...schema.allOf), depth);
  if (schema.oneOf || schema.anyOf) {
    return fc.oneof(...(schema.oneOf ?? schema.anyOf).map((s: Json) => validFor(s, depth + 1)));
  }
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') {
        return fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('.000', ''));
      }
      if (schema.format === 'uri' || schema.format === 'http-url') return fc.webUrl();
      if (schema.pattern && !/\\u0000/.test(schema.pattern)) {
        try {
          return fc.stringMatching(new RegExp(schema.pattern)).map((s) => s.slice(0, schema.maxLength ?? 200));
        } catch {
          // a pattern fast-check cannot generate from: plain strings
        }
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case 'integer':
      return fc.oneof(
        fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }),
        fc.constantFrom(0, 1, 100, 1_000),
      );
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(fromSchema(schema.items ?? {}, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object':
    default: {
      const properties: Record<string, Json> = schema.properties ?? {};
      const record = fc.record(
        Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, fromSchema(s, depth + 1)])),
        { requiredKeys: (schema.required ?? []).filter((name: string) => name in properties) },
      );
      // Now and then a required field dropped, or a field no schema has.
      return fc
        .tuple(record, fc.option(fc.tuple(fc.oneof(nastyText, fc.constantFrom('__proto__', 'id')), nastyValue)))
        .map(([object, extra]) => (extra ? { ...object, [extra[0]]: extra[1] } : object));
    }
  }
}

/** A path parameter: a real id, a made-up one of the right or a wrong prefix, huge, unicode, percent-mangled. */
function pathValue(kind: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...(realIds[kind] ?? ['none'])),
    fc.constantFrom(...Object.values(realIds).flat()),
    fc.stringMatching(/^[a-z]{2,10}_[0-9a-f]{32}$/),
    fc.constantFrom('charge_', 'agr_x', '0', '-1', '1e400', 'NaN', '..', '.', 'null', '%2e%2e', '%2F', '%00', '%ZZ'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(safeEncode),
    fc.constantFrom(...NASTY_TEXT.filter(Boolean)).map(safeEncode),
    fc.integer({ min: 90, max: 400 }).map((n) => `charge_${'a'.repeat(n)}`),
    fc.string({ minLength: 1, maxLength: 20 }).map((s) => safeEncode(s).replace(/%2F/g, '/')),
  );
}

function kindOf(template: string, param: string): string {
  if (param !== 'id') return param.replace(/Id$/, '');
  if (template.startsWith('/v1/payment-agreements')) return 'agreement';
  if (template.startsWith('/v1/webhook-endpoints')) return 'endpoint';
  if (template.startsWith('/v1/events')) return 'event';
  return 'charge';
}

/** A query string: documented parameters with valid or nasty values, unknown ones, repeats, brackets. */
function queryFor(operation: Operation): fc.Arbitrary<string> {
  const pair = fc.oneof(
    ...Object.entries(operation.query).map(([name, schema]) =>
      fromSchema(schema).map((value) => [name, value] as const),
    ),
    fc.tuple(fc.constantFrom('limit[a]', '__proto__', 'constructor[prototype]', 'x', ''), nastyValue),
  );
  return fc.array(pair, { maxLength: 4 }).map((pairs) =>
    pairs
      .map(([name, value]) => {
        const text = value instanceof RawJson ? value.text : typeof value === 'string' ? value : toJsonText(value);
        return `${encodeURIComponent(name)}=${safeEncode(text)}`;
      })
      .join('&'),
  );
}

/** encodeURIComponent, but an unpaired surrogate becomes its CESU-8 bytes (no valid UTF-8) instead of throwing. */
function safeEncode(text: string): string {
  return [...text]
    .map((char) => {
      try {
        return encodeURIComponent(char);
      } catch {
        const unit = char.charCodeAt(0);
        return [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('');
      }
    })
    .join('');
}

function pathOf(operation: Operation, values: Record<string, string>): string {
  return operation.template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? 'x');
}

// ---------------------------------------------------------------------------------------------------------------
// What must hold of every answer.

const STACK_TRACE = /\bat [\w.<>]+ \(|\bat (async )?[\w.<>]+ \(?\/|node_modules|\/work\/|\.[jt]s:\d+/;
const SQL =
  /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[\s\S]*\b(FROM|VALUES|SET|WHERE)\b|syntax error at|violates .* constraint|relation "|QueryFailedError|invalid byte sequence/i;
const INTERNALS = /TypeError|ReferenceError|Cannot read propert|is not a function|undefined is not|ECONNREFUSED|kafka/i;

function checkAnswer(where: string, answer: RawAnswer, surface: 'api' | 'hosted_page' = 'api'): void {
  const fail = (problem: string) =>
    violations.push(`${where} → ${answer.status}: ${problem}: ${answer.body.slice(0, 300)}`) && undefined;
  if (answer.status >= 500) fail('a 5xx');
  if (STACK_TRACE.test(answer.body)) fail('a stack trace or file path in the answer');
  if (SQL.test(answer.body)) fail('SQL in the answer');
  // (A delivery log may say ECONNREFUSED of a merchant's endpoint: internal detail is looked for in errors only.)
  if (answer.status >= 400 && INTERNALS.test(answer.body)) fail('internal detail in the answer');
  if (answer.status >= 400 && answer.status < 500) {
    if (surface === 'hosted_page') {
      if (!(answer.headers['x-failure-code'] ?? '' in FAILURE_CODES)) fail('a 4xx without X-Failure-Code');
      return;
    }
    let body: Json;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return void fail('a 4xx whose body is not JSON');
    }
    if (!(body?.failureCode in FAILURE_CODES)) fail('a 4xx without a known failureCode');
    if (body?.status !== answer.status) fail('a 4xx whose body names another status');
  }
}

/** Sends one request to the gateway as raw bytes; checks the answer, and against the document. */
async function send(kind: string, request: RawRequest): Promise<RawAnswer> {
  const where = `[${kind}] ${request.method} ${request.target.slice(0, 200)}`;
  const answer = await rawExchange(stack.baseUrl, rawRequestBytes(request));
  count(kind, answer.status);
  checkAnswer(where, answer);
  if (answer.status < 300 && request.method !== 'GET') {
    try {
      acknowledge(JSON.parse(answer.body));
    } catch {
      // not JSON: names nothing
    }
  }
  let parsed: unknown = answer.body;
  try {
    parsed = answer.body ? JSON.parse(answer.body) : undefined;
  } catch {
    // kept as text
  }
  try {
    contract.check(request.method, request.target, answer.status, new Headers(answer.headers), parsed);
  } catch (error) {
    violations.push(`${where}: ${(error as Error).message.slice(0, 500)}`);
  }
  return answer;
}

function count(kind: string, status: number): void {
  const byStatus = (counts[kind] ??= {});
  byStatus[status] = (byStatus[status] ?? 0) + 1;
}

const bearer = (key = apiKey): [string, string] => ['Authorization', `Bearer ${key}`];
const jsonHeaders = (key = apiKey): [string, string][] => [['Content-Type', 'application/json'], bearer(key)];

// ---------------------------------------------------------------------------------------------------------------

describe('the gateway under random and malformed input', () => {
  afterEach(() => {
    // A property's violations are all reported at its end (not only the first), then cleared for the next.
    const found = violations.splice(0);
    expect(found).toEqual([]);
  });

  it('answers random bodies on every operation that takes one', async () => {
    const withBody = operations.filter((o) => o.body?.mediaType === 'application/json');
    const request = fc.constantFrom(...withBody).chain((operation) =>
      fc.record({
        operation: fc.constant(operation),
        ids: realIdsFor(operation),
        body: fc.oneof(
          { weight: 6, arbitrary: validFor(operation.body?.schema, 0) },
          { weight: 1, arbitrary: nastyValue },
        ),
        idempotencyKey: fc.option(fc.uuid()),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ operation, ids, body, idempotencyKey }) => {
        const key: [string, string][] = idempotencyKey ? [['Request-Idempotency-Key', idempotencyKey]] : [];
        await send('body', {
          method: operation.method,
          target: pathOf(operation, ids),
          headers: [...jsonHeaders(), ...key],
          body: toJsonText(body),
        });
      }),
      { seed: SEED, numRuns: RUNS * withBody.length },
    );
  });

  it('answers random path ids on every operation that has one', async () => {
    const withIds = operations.filter((o) => o.params.length > 0);
    const request = fc.constantFrom(...withIds).chain((operation) =>
      fc.record({
        operation: fc.constant(operation),
        ids: fc.record(Object.fromEntries(operation.params.map((p) => [p, pathValue(kindOf(operation.template, p))]))),
        body: operation.body ? validFor(operation.body.schema, 0) : fc.constant(undefined),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async ({ operation, ids, body }) => {
        await send('path id', {
          method: operation.method,
          target: pathOf(operation, ids),
          headers: operation.body?.mediaType === 'application/json' ? jsonHeaders() : [bearer()],
          body: body === undefined || operation.body?.mediaType !== 'application/json' ? undefined : toJsonText(body),
        });
      }),
      { seed: SEED, numRuns: RUNS * withIds.length },
    );
  });

  it('answers random query parameters on every operation that reads', async () => {
    const reads = operations.filter((o) => o.method === 'GET');
    const request = fc
      .constantFrom(...reads)
      .chain((operation) =>
        fc.record({ operation: fc.constant(operation), ids: realIdsFor(operation), query: queryFor(operation) }),
      );
    await fc.assert(
      fc.asyncProperty(request, async ({ operation, ids, query }) => {
        await send('query', { method: 'GET', target: `${pathOf(operation, ids)}?${query}`, headers: [bearer()] });
      }),
      { seed: SEED, numRuns: RUNS * reads.length },
    );
  });

  it('answers random headers (keys, idempotency keys, media types, lengths, raw bytes) on every operation', async () => {
    const latin1 = fc.uint8Array({ minLength: 0, maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
    const authorization = fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        `Bearer ${otherKey}`,
        `bearer ${apiKey}`,
        `Basic ${apiKey}`,
        'Bearer',
        'Bearer ',
        `Bearer  ${apiKey}`,
      ),
      fc.constantFrom(`Bearer ${apiKey}x`, `Bearer ${apiKey.slice(0, -1)}`, `Bearer sk_live_${'0'.repeat(40)}`),
      fc.integer({ min: 1, max: 12_000 }).map((n) => `Bearer ${'k'.repeat(n)}`),
      latin1.map((text) => `Bearer ${text}`),
      fc.string({ maxLength: 20 }).map((text) => `Bearer ${Buffer.from(text, 'utf8').toString('latin1')}`),
    );
    const idempotencyKey = fc.option(
      fc.oneof(fc.uuid(), fc.constantFrom('', ' ', 'é', 'a'.repeat(256), 'a'.repeat(255)), latin1),
    );
    const contentType = fc.oneof(
      fc.constantFrom(
        'application/json',
        'application/json; charset=utf-8',
        'application/json; charset=latin1',
        'application/json;charset=utf-16',
        'Application/JSON',
        'application/json, text/plain',
        'application/jsonx',
        'application/merge-patch+json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        '',
        ';',
        '*/*',
      ),
      latin1,
    );
    const request = fc.constantFrom(...operations).chain((operation) =>
      fc.record({
        operation: fc.constant(operation),
        ids: realIdsFor(operation),
        authorization,
        idempotencyKey,
        contentType: fc.option(contentType),
        body: operation.body ? validFor(operation.body.schema, 0) : fc.constant(undefined),
        // A Content-Length shorter than the body, none, or a repeat of it (longer ones wait: see the slow clients).
        length: fc.constantFrom('true', 'true', 'true', 'short', 'none', 'twice', 'negative'),
        more: fc.array(fc.tuple(fc.constantFrom('X-Correlation-Id', 'Accept', 'X-Forwarded-For', 'Host'), latin1), {
          maxLength: 2,
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const body = input.body === undefined ? undefined : Buffer.from(toJsonText(input.body), 'utf8');
        const headers: [string, string][] = [...input.more];
        if (input.authorization !== undefined) headers.push(['Authorization', input.authorization]);
        if (input.idempotencyKey !== null) headers.push(['Request-Idempotency-Key', input.idempotencyKey]);
        if (input.contentType !== null) headers.push(['Content-Type', input.contentType]);
        let contentLength: number | null | undefined;
        if (body && input.length === 'short') contentLength = Math.floor(body.length / 2);
        if (input.length === 'none') contentLength = null;
        if (input.length === 'negative') headers.push(['Content-Length', '-1']);
        if (body && input.length === 'twice') headers.push(['Content-Length', String(body.length + 1)]);
        await send('header', {
          method: input.operation.method,
          target: pathOf(input.operation, input.ids),
          headers,
          body,
          contentLength: input.length === 'negative' ? null : contentLength,
        });
      }),
      { seed: SEED, numRuns: RUNS * operations.length },
    );
  });

  it('answers bytes no HTTP client sends: overlong UTF-8, NUL and RTL marks in the URL, 100k-deep JSON, 10 MB', async () => {
    const create = '/v1/payment-charges';
    const overlong = [Buffer.from([0xc0, 0x80]), Buffer.from([0xe0, 0x80, 0xaf]), Buffer.from([0xed, 0xa0, 0x80])];
    const cases: RawRequest[] = [
      ...overlong.map((bytes) => ({
        method: 'POST',
        target: create,
        headers: jsonHeaders(),
        body: Buffer.concat([Buffer.from('{"merchantPaymentChargeReference":"'), bytes, Buffer.from('"}')]),
      })),
      ...overlong.map((bytes) => ({
        method: 'GET',
        target: `${create}/charge_${bytes.toString('latin1')}`,
        headers: [bearer()],
      })),
      ...overlong.map((bytes) => ({
        method: 'GET',
        target: `${create}/${[...bytes].map((b) => `%${b.toString(16)}`).join('')}`,
        headers: [bearer()],
      })),
      ...overlong.map((bytes) => ({
        method: 'GET',
        target: create,
        headers: [bearer(), ['X-Correlation-Id', bytes.toString('latin1')]] as [string, string][],
      })),
      { method: 'GET', target: `${create}/charge_\u0000`, headers: [bearer()] },
      {
        method: 'GET',
        target: `${create}/${Buffer.from('charge_\u202e', 'utf8').toString('latin1')}`,
        headers: [bearer()],
      },
      { method: 'GET', target: `${create}?limit=%E2%80%AE1`, headers: [bearer()] },
      { method: 'GET', target: `${create}/${'a'.repeat(20_000)}`, headers: [bearer()] },
      { method: 'GET', target: `${create}/charge_${'a'.repeat(5_000)}`, headers: [bearer()] },
      { method: 'GET', target: `/v1/${'a/'.repeat(3_000)}`, headers: [bearer()] },
      { method: 'POST', target: create, headers: jsonHeaders(), body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
      {
        method: 'POST',
        target: create,
        headers: jsonHeaders(),
        body: `{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      },
      {
        method: 'POST',
        target: create,
        headers: jsonHeaders(),
        body: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
      },
      {
        method: 'POST',
        target: create,
        headers: jsonHeaders(),
        body: JSON.stringify({ ...SEED_001_CHARGE, pad: 'x'.repeat(10 * 1024 * 1024) }),
      },
      {
        method: 'POST',
        target: '/v1/provider-notifications/amazon-pay',
        headers: [['Content-Type', 'text/plain']],
        body: 'x'.repeat(10 * 1024 * 1024),
      },
      {
        method: 'POST',
        target: create,
        headers: [...jsonHeaders(), ['Transfer-Encoding', 'chunked']],
        body: '2\r\n{}\r\n0\r\n\r\n',
        contentLength: null,
      },
      {
        method: 'POST',
        target: create,
        headers: [...jsonHeaders(), ['Transfer-Encoding', 'chunked']],
        body: 'zz\r\n{}\r\n0\r\n\r\n',
        contentLength: null,
      },
    ];
    for (const request of cases) await send('raw bytes', request);
  });

  it('answers random notifications on the provider-notification route, signed or not', async () => {
    const secret = stack.sharedEnv.SANDBOX_SIGNING_SECRET;
    const notification = fc.record(
      {
        MerchantID: fc.oneof(fc.constant('mer_x'), nastyText),
        ObjectType: fc.oneof(fc.constantFrom('CHARGE', 'REFUND', 'CHARGE_PERMISSION', 'CHARGEBACK'), nastyText),
        ObjectId: fc.oneof(fc.constantFrom(...Object.values(realIds).flat()), nastyText),
        ChargePermissionId: fc.oneof(fc.constantFrom(...(realIds.charge ?? [])), nastyText),
        NotificationType: fc.oneof(fc.constant('STATE_CHANGE'), nastyText),
        NotificationId: fc.oneof(fc.uuid(), nastyText),
        NotificationVersion: fc.oneof(fc.constant('V1'), nastyText),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      notification.map((fields) => amazonPayNotificationBody(fields as never, new Date())),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
      fc
        .jsonValue({ maxDepth: 2 })
        .map((message) => JSON.stringify({ Type: 'Notification', Message: JSON.stringify(message) })),
      nastyText,
    );
    const request = fc.record({
      body,
      signature: fc.constantFrom('good', 'none', 'bad', 'garbage'),
      contentType: fc.constantFrom('text/plain', 'text/plain; charset=utf-8', 'application/json', 'text/html'),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ body, signature, contentType }) => {
        const headers: [string, string][] = [['Content-Type', contentType]];
        const signed = signSandboxNotification(secret, body);
        if (signature === 'good') headers.push(['X-Amz-Pay-Sandbox-Signature', signed]);
        if (signature === 'bad') headers.push(['X-Amz-Pay-Sandbox-Signature', `${signed.slice(0, -2)}00`]);
        if (signature === 'garbage') headers.push(['X-Amz-Pay-Sandbox-Signature', 'not a signature']);
        await send('notification', {
          method: 'POST',
          target: '/v1/provider-notifications/amazon-pay',
          headers,
          body: Buffer.from(body, 'utf8'),
        });
      }),
      { seed: SEED, numRuns: RUNS * 10 },
    );
  });
});

describe('the sandbox hosted pages under random input', () => {
  afterEach(() => {
    const found = violations.splice(0);
    expect(found).toEqual([]);
  });

  /** One request to the sandbox page; its answer checked as a hosted page's. */
  async function sendToPage(kind: string, request: RawRequest): Promise<RawAnswer> {
    const answer = await rawExchange(sandboxUrl, rawRequestBytes(request));
    count(kind, answer.status);
    checkAnswer(`[${kind}] ${request.method} ${request.target.slice(0, 200)}`, answer, 'hosted_page');
    return answer;
  }

  it('refuses a POST without a form or with one it cannot read (500s before) with 400 hosted_page_form_invalid, and nothing changes', async () => {
    for (const { path } of links) {
      for (const request of [
        { method: 'POST', target: path },
        {
          method: 'POST',
          target: path,
          headers: [['Content-Type', 'application/json']],
          body: '{"decision":"APPROVE"}',
        },
        { method: 'POST', target: path, headers: [['Content-Type', 'application/x-www-form-urlencoded']], body: '' },
        // Forms the parser cannot read: too large, too many fields, an unknown charset or encoding (they were 500s).
        {
          method: 'POST',
          target: path,
          headers: [['Content-Type', 'application/x-www-form-urlencoded']],
          body: `decision=APPROVE&token=${'x'.repeat(9_000)}`,
        },
        {
          method: 'POST',
          target: path,
          headers: [['Content-Type', 'application/x-www-form-urlencoded']],
          body: 'a=1&'.repeat(1_500),
        },
        {
          method: 'POST',
          target: path,
          headers: [['Content-Type', 'application/x-www-form-urlencoded; charset=utf-7']],
          body: 'decision=APPROVE',
        },
        {
          method: 'POST',
          target: path,
          headers: [
            ['Content-Type', 'application/x-www-form-urlencoded'],
            ['Content-Encoding', 'br2'],
          ],
          body: 'decision=APPROVE',
        },
      ] as RawRequest[]) {
        const answer = await sendToPage('hosted page', request);
        expect([request.headers, answer.status, answer.headers['x-failure-code']]).toEqual([
          request.headers,
          400,
          'hosted_page_form_invalid',
        ]);
      }
    }
    const pending = await apiClient(stack.baseUrl, apiKey)('GET', `/v1/payment-charges/${realIds.charge[2]}`);
    expect(pending.body.status).toBe('AUTHENTICATION_PENDING');
  });

  it('answers a path that does not decode or names no page as an invalid link (404 hosted_page_link_invalid)', async () => {
    for (const target of ['/amazon-pay/checkout/%ZZ', '/amazon-pay/agreements/%ED%A0%80', '/amazon-pay/checkout/a/b']) {
      for (const method of ['GET', 'POST']) {
        const answer = await sendToPage('hosted page', { method, target });
        expect([target, answer.status, answer.headers['x-failure-code']]).toEqual([
          target,
          404,
          'hosted_page_link_invalid',
        ]);
      }
    }
  });

  it('answers random links, tokens and forms on the checkout and agreement pages', async () => {
    const form = fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom('token', 'decision', 'token[]', 'decision[a]', '__proto__'), nastyText),
        fc.oneof(
          fc.constantFrom('APPROVE', 'CANCEL', 'approve', ''),
          fc.constantFrom(...links.map((l) => l.token)),
          nastyText,
        ),
      ),
      { maxLength: 4 },
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST'),
      page: fc.constantFrom('/amazon-pay/checkout/', '/amazon-pay/agreements/'),
      id: fc.oneof(pathValue('charge'), pathValue('agreement')),
      token: fc.oneof(fc.constantFrom(...links.map((l) => l.token)), nastyText),
      form,
      contentType: fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', undefined),
      accept: fc.constantFrom('text/html', 'application/json', '*/*', undefined),
    });
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const headers: [string, string][] = [];
        if (input.contentType) headers.push(['Content-Type', input.contentType]);
        if (input.accept) headers.push(['Accept', input.accept]);
        const encoded = input.form.map(([name, value]) => `${safeEncode(name)}=${safeEncode(value)}`).join('&');
        await sendToPage('hosted page', {
          method: input.method,
          target: `${input.page}${input.id}${input.method === 'GET' ? `?token=${safeEncode(input.token)}` : ''}`,
          headers,
          body: input.method === 'POST' ? encoded : undefined,
        });
      }),
      { seed: SEED, numRuns: RUNS * 20 },
    );
  });
});

describe('slow clients and big bodies', () => {
  it('closes clients that send a byte a second at its timeouts, while a well-behaved client is answered at once', async () => {
    const request = (body: string): Buffer =>
      rawRequestBytes({ method: 'POST', target: '/v1/payment-charges', headers: jsonHeaders(), body });
    const body = JSON.stringify(SEED_001_CHARGE);
    const headersOnly = rawRequestBytes({ method: 'GET', target: '/v1/payment-charges', headers: [bearer()] });
    const giveUp = REQUEST_TIMEOUT_MS + 5_000;
    // Trickling headers, trickling a body, a Content-Length longer than the body sent (then silence).
    const slow = [
      ...Array.from({ length: 8 }, () => trickle(stack.baseUrl, headersOnly, 1_000, giveUp)),
      ...Array.from({ length: 8 }, () => trickle(stack.baseUrl, request(body), 1_000, giveUp)),
      ...Array.from({ length: 4 }, () =>
        trickle(
          stack.baseUrl,
          rawRequestBytes({
            method: 'POST',
            target: '/v1/payment-charges',
            headers: jsonHeaders(),
            body,
            contentLength: body.length + 10,
          }),
          0,
          giveUp,
        ),
      ),
    ];
    const big = Array.from({ length: 4 }, () =>
      rawExchange(stack.baseUrl, request(JSON.stringify({ ...SEED_001_CHARGE, pad: 'x'.repeat(10 * 1024 * 1024) }))),
    );
    // Meanwhile a merchant's ordinary traffic, one request after another.
    const api = apiClient(stack.baseUrl, otherKey);
    const latencies: number[] = [];
    const statuses: number[] = [];
    const until = Date.now() + REQUEST_TIMEOUT_MS + 1_500;
    while (Date.now() < until) {
      const started = performance.now();
      const answer =
        latencies.length % 2 === 0
          ? await api('GET', '/v1/payment-charges?limit=5')
          : await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
      latencies.push(performance.now() - started);
      statuses.push(answer.status);
      if (answer.status === 201) acknowledge(answer.body);
    }
    const closed = await Promise.all(slow);
    const bigAnswers = await Promise.all(big);
    for (const outcome of closed) {
      count('slow client', outcome.answer?.status ?? 0);
      // Closed by the gateway, within its timeout and the check interval, answered 408 in the API's shape.
      expect(outcome.heldMs).toBeLessThan(REQUEST_TIMEOUT_MS + 2_000);
      expect(outcome.answer).toMatchObject({ status: 408 });
      expect(JSON.parse(outcome.answer?.body ?? '{}')).toMatchObject({ status: 408, failureCode: 'request_timeout' });
    }
    for (const answer of bigAnswers) {
      count('10 MB body', answer.status);
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body)).toMatchObject({ failureCode: 'payload_too_large' });
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)];
    console.log(
      `fuzz: well-behaved client ${latencies.length} requests, p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms; slow clients held ${closed.map((c) => c.heldMs).join(',')} ms`,
    );
    expect(statuses.filter((status) => status >= 300)).toEqual([]);
    expect(latencies.length).toBeGreaterThan(20);
    expect(p99).toBeLessThan(1_000);
  });
});

describe('known defects (issue 19, item 6), each with the test that shows it', () => {
  it('applies header, request, connection and keep-alive timeouts to the HTTP server, by default too', async () => {
    // Before: Fastify's defaults, no request or connection timeout at all (a byte a second held a socket for ever).
    const started = await stack.startGateway();
    try {
      const server = started.app.getHttpServer();
      expect({
        headersTimeout: server.headersTimeout,
        requestTimeout: server.requestTimeout,
        connectionTimeout: server.timeout,
        keepAliveTimeout: server.keepAliveTimeout,
      }).toEqual({
        headersTimeout: 10_000,
        requestTimeout: 30_000,
        connectionTimeout: 60_000,
        keepAliveTimeout: 72_000,
      });
    } finally {
      await started.app.close();
    }
    await expect(
      stack.startGateway({ GATEWAY_HEADERS_TIMEOUT_MS: '5000', GATEWAY_REQUEST_TIMEOUT_MS: '4000' }),
    ).rejects.toThrow('GATEWAY_HEADERS_TIMEOUT_MS must not be above GATEWAY_REQUEST_TIMEOUT_MS');
    await expect(
      stack.startGateway({ GATEWAY_CONNECTION_TIMEOUT_MS: '10000', SERVICE_CALL_TIMEOUT_MS: '10000' }),
    ).rejects.toThrow('GATEWAY_CONNECTION_TIMEOUT_MS must be above SERVICE_CALL_TIMEOUT_MS');
  });

  it('answers 408 request_timeout to a client trickling its headers, past GATEWAY_HEADERS_TIMEOUT_MS', async () => {
    const headers = rawRequestBytes({ method: 'GET', target: '/v1/payment-charges', headers: [bearer()] });
    const outcome = await trickle(stack.baseUrl, headers, 200, HEADERS_TIMEOUT_MS + 3_000);
    expect(outcome.bytesSent).toBeLessThan(headers.length);
    expect(outcome.heldMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - 100);
    expect(outcome.heldMs).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
    expect(JSON.parse(outcome.answer?.body ?? '{}')).toMatchObject({ status: 408, failureCode: 'request_timeout' });
  });

  it('maps framework refusals by what went wrong, not all to invalid_url', async () => {
    const get = (target: string) => send('framework', { method: 'GET', target, headers: [bearer()] });
    // An id longer than the router takes: was 400 invalid_url.
    const long = await get(`/v1/payment-charges/charge_${'a'.repeat(200)}`);
    expect([long.status, JSON.parse(long.body)]).toEqual([
      414,
      expect.objectContaining({ status: 414, failureCode: 'url_too_long' }),
    ]);
    expect(long.headers['x-correlation-id']).toMatch(/^evt_/);
    const undecodable = await get('/v1/payment-charges/%E0%A4%A');
    expect(JSON.parse(undecodable.body)).toMatchObject({ status: 400, failureCode: 'invalid_url' });
    const huge = await get(`/v1/payment-charges/${'a'.repeat(20_000)}`);
    expect(JSON.parse(huge.body)).toMatchObject({ status: 431, failureCode: 'headers_too_large' });
    expect(violations.splice(0)).toEqual([]);
  });
});

describe('after it all', () => {
  it('holds no half-stored object: every stream and list row is one a 2xx answer named', async () => {
    const streams = await db.pool.query<{ stream_id: string; stream_type: string }>(
      'SELECT stream_id, stream_type FROM events WHERE stream_version = 1',
    );
    const byType: Record<string, number> = {};
    const unacknowledged: string[] = [];
    for (const { stream_id: streamId, stream_type: type } of streams.rows) {
      byType[type] = (byType[type] ?? 0) + 1;
      const id = streamId.slice(type.length + 1);
      if (ACTED_ON_STREAM_TYPES.includes(type) && !acknowledgedIds.has(id)) unacknowledged.push(streamId);
    }
    console.log(`fuzz: streams by type ${JSON.stringify(byType)}; ids acknowledged ${acknowledgedIds.size}`);
    expect(unacknowledged).toEqual([]);
    for (const [table, column] of [
      ['charge_list_view', 'charge_id'],
      ['agreement_list_view', 'agreement_id'],
      ['refund_list_view', 'refund_id'],
      ['webhook_endpoints', 'endpoint_id'],
    ]) {
      const rows = await db.pool.query(`SELECT ${column} AS id FROM ${table}`);
      expect([table, rows.rows.map((r) => r.id).filter((id) => !acknowledgedIds.has(id))]).toEqual([table, []]);
    }
  });
});

/** The stream types of the objects a merchant's request creates (others follow from those). */
const ACTED_ON_STREAM_TYPES = ['charge', 'agreement', 'refund', 'webhook-endpoint'];

function realIdsFor(operation: Operation): fc.Arbitrary<Record<string, string>> {
  return fc.record(
    Object.fromEntries(
      operation.params.map((p) => [p, fc.constantFrom(...(realIds[kindOf(operation.template, p)] ?? ['x']))]),
    ),
  );
}
