/**
 * One-time payments through the real gateway (HTTP) and charges service (TCP), on real PostgreSQL and Kafka:
 * authentication, validation, creation per seed 001, the consumer's redirect outcomes, captures, voids, timers,
 * the list read model and the OpenAPI document.
 */
import { connect } from 'node:net';
import { SIMULATED_FAILURES } from '@payment-ledger/payment-methods';
import { catchUpProjection, EVENT_STORE, ProjectionRunners, rebuildProjection } from '@payment-ledger/messaging';
import { CLOCK, JsonLogger } from '@payment-ledger/platform';
import { PostgresTimerStore, TimerEntity } from '@payment-ledger/timers';
import { DataSource } from 'typeorm';
import { ChargeDeadlineFeed } from '../../apps/charges/src/application/charge-deadline.feed';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { RunChargeDeadlineHandler } from '../../apps/charges/src/application/run-charge-deadline.handler';
import { CHARGES_CONFIG, type ChargesConfig } from '../../apps/charges/src/charges.config';
import { ChargeDeadlineWorker } from '../../apps/charges/src/infrastructure/charge-deadline.worker';
import { ChargeListProjection } from '../../apps/charges/src/infrastructure/charge-list.projection';
import { createPaymentChargeBody } from '../../apps/gateway/src/infrastructure/payment-charges/create-payment-charge.body';
import { apiClient, PaymentStack, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';
import { sleep, waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let api: ReturnType<typeof apiClient>;
let merchantId: string;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db).start();
  const { merchant, apiKey } = await stack.merchant('Acme Books');
  merchantId = merchant.id;
  api = apiClient(stack.baseUrl, apiKey);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

const eventCount = async (type = 'ChargeCreated'): Promise<number> =>
  Number((await db.pool.query('SELECT count(*) AS n FROM events WHERE event_type = $1', [type])).rows[0].n);

const chargeBody = (overrides: Record<string, unknown> = {}) => ({ ...SEED_001_CHARGE, ...overrides });
const tokenOf = (charge: { authenticationMethods: { details: { requestUrl: string } }[] }) =>
  new URL(charge.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';

async function consumer(
  charge: { id: string; authenticationMethods: { details: { requestUrl: string } }[] },
  decision: 'APPROVE' | 'CANCEL',
) {
  return stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: charge.id, token: tokenOf(charge), decision, correlationId: 'test' });
}

async function createCharge(overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await api('POST', '/v1/payment-charges', chargeBody(overrides), headers);
  expect(response.status).toBe(201);
  return response.body;
}

describe('authentication', () => {
  it('refuses a missing or wrong API key with 401 and hides other merchants’ charges (404)', async () => {
    const charge = await createCharge();
    const anonymous = await fetch(`${stack.baseUrl}/v1/payment-charges/${charge.id}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ status: 401, failureCode: 'unauthorized' });
    const wrong = await apiClient(stack.baseUrl, 'sk_sandbox_nope')('GET', `/v1/payment-charges/${charge.id}`);
    expect(wrong).toMatchObject({ status: 401, body: { failureCode: 'invalid_api_key' } });

    const other = await stack.merchant('Other Shop');
    const otherApi = apiClient(stack.baseUrl, other.apiKey);
    const hidden = await otherApi('GET', `/v1/payment-charges/${charge.id}`);
    expect(hidden).toMatchObject({ status: 404, body: { failureCode: 'payment_charge_not_found' } });
    expect((await otherApi('POST', `/v1/payment-charges/${charge.id}/voids`, {})).status).toBe(404);
  });
});

describe('create', () => {
  it('carries the caller’s correlation id (or a new one) to the answer, its errors and the events recorded', async () => {
    const metadataOf = async (chargeId: string) =>
      (await db.pool.query('SELECT metadata FROM events WHERE stream_id = $1', [`charge:${chargeId}`])).rows[0]
        ?.metadata;
    const given = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'x-correlation-id': 'corr-given-1' });
    expect(given.headers.get('x-correlation-id')).toBe('corr-given-1');
    expect(await metadataOf(given.body.id)).toMatchObject({ correlationId: 'corr-given-1' });

    const generated = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
    const correlationId = generated.headers.get('x-correlation-id');
    expect(correlationId).toMatch(/^\S{10,}$/);
    expect(await metadataOf(generated.body.id)).toMatchObject({ correlationId });

    const refused = await api('POST', '/v1/payment-charges', '{"amount":', { 'x-correlation-id': 'corr-bad-json' });
    expect(refused).toMatchObject({ status: 400, body: { failureCode: 'invalid_json' } });
    expect(refused.headers.get('x-correlation-id')).toBe('corr-bad-json');
  });

  it('takes seed 001’s request verbatim and answers with seed 001’s response shape', async () => {
    const response = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
    expect(response.status).toBe(201);
    const charge = response.body;
    expect(charge.id).toMatch(/^charge_[0-9a-f]{32}$/);
    expect(charge).toMatchObject({
      status: 'AUTHENTICATION_PENDING',
      paymentMethod: 'AMAZON_PAY',
      amount: { value: 1000, currency: 'USD' },
      currency: 'USD',
      consumer: { name: 'John Smith', country: 'US' },
      captureMethod: 'AUTOMATIC',
      authenticationMethods: [{ type: 'REDIRECT', details: { requestMethod: 'GET' } }],
      authorizations: [],
      captures: [],
      refunds: [],
      voids: [],
      history: [{ status: 'AUTHENTICATION_PENDING' }],
      failure: null,
    });
    expect(charge.authenticationMethods[0].details.requestUrl).toContain(`/amazon-pay/checkout/${charge.id}?token=`);
    expect(charge.history[0].id).toMatch(/^hist_/);
    expect(Date.parse(charge.createdAt)).toBe(stack.clock.now().getTime());
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body).toEqual(charge);
  });

  it('accepts the optional reference, manual capture and webhooks URL', async () => {
    // A public address, so no DNS is needed (the webhooks URL must resolve to public addresses: see the end).
    const charge = await createCharge({
      merchantPaymentChargeReference: 'order-77',
      captureMethod: 'MANUAL',
      webhooksUrl: 'https://93.184.216.34/hooks',
    });
    expect(charge).toMatchObject({
      merchantPaymentChargeReference: 'order-77',
      captureMethod: 'MANUAL',
      webhooksUrl: 'https://93.184.216.34/hooks',
    });
  });

  it('answers each of many concurrent creates on its own (they reach the charges service together)', async () => {
    const before = await eventCount();
    const responses = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        api(
          'POST',
          '/v1/payment-charges',
          chargeBody({
            merchantPaymentChargeReference: `burst-${i}`,
            amount: { value: i % 6 === 5 ? 1000 : 1000 + i, currency: i % 6 === 5 ? 'EUR' : 'USD' },
          }),
        ),
      ),
    );
    responses.forEach((response, i) => {
      if (i % 6 === 5) {
        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ failureCode: 'currency_not_supported', field: 'amount.currency' });
      } else {
        expect(response.status).toBe(201);
        expect(response.body).toMatchObject({
          merchantPaymentChargeReference: `burst-${i}`,
          amount: { value: 1000 + i, currency: 'USD' },
        });
      }
    });
    const created = responses.filter((r) => r.status === 201).map((r) => r.body.id);
    expect(new Set(created).size).toBe(20);
    expect((await eventCount()) - before).toBe(20);
    // Each got its authentication timer, read from the log when the timer worker next polls.
    await stack.runDueTimers();
    const { rows } = await db.pool.query(
      `SELECT key AS charge_id FROM timers
        WHERE queue = 'charge-deadlines' AND kind = 'authentication_timeout' AND key = ANY($1)`,
      [created],
    );
    expect(rows.map((r) => r.charge_id).sort()).toEqual([...created].sort());
  });
});

describe('validation: a clear 4xx and nothing stored', () => {
  const amazon = (amount: unknown) => chargeBody({ amount });
  const returnUrl = (url: string) =>
    chargeBody({ authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: url } }] });
  const cases: [string, unknown, number, string, string?][] = [
    ['EUR', amazon({ value: 1000, currency: 'EUR' }), 400, 'currency_not_supported', 'amount.currency'],
    ['an array for the amount', amazon([]), 400, 'invalid_field', 'amount'],
    ['an array for the consumer', chargeBody({ consumer: [] }), 400, 'invalid_field', 'consumer'],
    ['49 cents', amazon({ value: 49, currency: 'USD' }), 400, 'amount_too_small', 'amount.value'],
    ['20,000.01 USD', amazon({ value: 2_000_001, currency: 'USD' }), 400, 'amount_too_large', 'amount.value'],
    ['a negative amount', amazon({ value: -100, currency: 'USD' }), 400, 'invalid_field', 'amount.value'],
    ['a fractional amount', amazon({ value: 10.5, currency: 'USD' }), 400, 'invalid_field', 'amount.value'],
    ['an amount as a string', amazon({ value: '1000', currency: 'USD' }), 400, 'invalid_field', 'amount.value'],
    ['no amount', { ...SEED_001_CHARGE, amount: undefined }, 400, 'missing_field', 'amount'],
    ['an unknown field', chargeBody({ surprise: true }), 400, 'unknown_field', 'surprise'],
    [
      'an unknown nested field',
      chargeBody({ consumer: { name: 'J', country: 'US', email: 'j@x' } }),
      400,
      'unknown_field',
      'consumer.email',
    ],
    ['no consumer name', chargeBody({ consumer: { country: 'US' } }), 400, 'missing_field', 'consumer.name'],
    ['no consumer country', chargeBody({ consumer: { name: 'J' } }), 400, 'missing_field', 'consumer.country'],
    [
      'a three-letter country',
      chargeBody({ consumer: { name: 'J', country: 'USA' } }),
      400,
      'invalid_field',
      'consumer.country',
    ],
    [
      'no authentication settings',
      { ...SEED_001_CHARGE, authenticationSettings: undefined },
      400,
      'missing_field',
      'authenticationSettings',
    ],
    [
      'no returnUrl',
      chargeBody({ authenticationSettings: [{ type: 'REDIRECT', settings: {} }] }),
      400,
      'missing_field',
      'authenticationSettings[0].settings.returnUrl',
    ],
    ['an http returnUrl', returnUrl('http://shop.example/return'), 400, 'invalid_return_url'],
    [
      'a returnUrl that is no URL',
      returnUrl('not a url'),
      400,
      'invalid_return_url',
      'authenticationSettings[0].settings.returnUrl',
    ],
    [
      'another payment method',
      chargeBody({ paymentMethod: 'CARD' }),
      400,
      'payment_method_not_supported',
      'paymentMethod',
    ],
    ['an unknown capture method', chargeBody({ captureMethod: 'LATER' }), 400, 'invalid_field', 'captureMethod'],
    [
      'an unknown simulation code',
      chargeBody({ sandbox: { simulationCode: 'Nope' } }),
      400,
      'invalid_simulation_code',
      'sandbox.simulationCode',
    ],
    ['a JSON array body', [SEED_001_CHARGE], 400, 'invalid_request'],
    ['invalid JSON', '{"paymentMethod": "AMAZON_PAY",', 400, 'invalid_json'],
    [
      'a body that sets __proto__',
      JSON.stringify(SEED_001_CHARGE).replace('{', '{"__proto__":{"polluted":true},'),
      400,
      'invalid_json',
    ],
    [
      'a 10 MB body',
      JSON.stringify({ ...SEED_001_CHARGE, pad: 'x'.repeat(10 * 1024 * 1024) }),
      413,
      'payload_too_large',
    ],
  ];

  // Rest parameters: jest would take a fifth named parameter for its `done` callback.
  it.each(cases)('refuses %s', async (...row) => {
    const [, body, status, failureCode, field] = row;
    const before = await eventCount();
    const response = await api('POST', '/v1/payment-charges', body, {
      'request-idempotency-key': `v-${failureCode}-${status}`,
    });
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ status, failureCode });
    expect(typeof response.body.failureMessage).toBe('string');
    expect(Number.isNaN(Date.parse(response.body.timestamp))).toBe(false);
    if (field) expect(response.body.field).toBe(field);
    expect(await eventCount()).toBe(before);
    const keys = await db.pool.query('SELECT count(*) AS n FROM idempotency_keys WHERE idempotency_key LIKE $1', [
      'v-%',
    ]);
    expect(Number(keys.rows[0].n)).toBe(0);
  });

  it('answers a URL that does not decode in the API error shape', async () => {
    const response = await api('GET', '/v1/payment-charges/%E0%A4%A');
    expect(response).toMatchObject({ status: 400, body: { status: 400, failureCode: 'invalid_url' } });
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
  });

  it('refuses a non-JSON body with 415', async () => {
    const response = await api('POST', '/v1/payment-charges', 'amount=1000', { 'content-type': 'text/plain' });
    expect(response).toMatchObject({ status: 415, body: { failureCode: 'unsupported_media_type' } });
  });

  it('allows http return URLs to localhost in sandbox', async () => {
    await createCharge({
      authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'http://localhost:8080/r' } }],
    });
    // Live mode's own rules (https only, no simulation codes) are the deciders' (charge.decider.spec.ts): until a
    // live provider exists, a live key is refused before any of them, and nothing is created.
  });

  it('refuses a live key while no live payment provider exists (nothing reaches the sandbox simulator)', async () => {
    const live = await stack.merchant('Live Shop', 'LIVE');
    const before = await eventCount();
    const refused = await apiClient(stack.baseUrl, live.apiKey)('POST', '/v1/payment-charges', chargeBody());
    expect(refused).toMatchObject({ status: 403, body: { failureCode: 'live_mode_unavailable' } });
    expect(await eventCount()).toBe(before);
  });
});

describe('validation: nesting, control characters and unpaired surrogates are a 400, never a 500', () => {
  /** A request written on the socket as it is: fetch will not send a NUL in a header. */
  async function rawRequest(head: string): Promise<{ status: number; body: string }> {
    const { hostname, port } = new URL(stack.baseUrl);
    const text = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), hostname, () => socket.write(`${head}\r\n\r\n`));
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
      socket.setTimeout(5000, () => socket.destroy(new Error(`no answer: ${JSON.stringify(received)}`)));
    });
    return { status: Number(text.split(' ')[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) };
  }

  async function refusedWithoutEffect(body: unknown, failureCode: string, field?: string, message?: RegExp) {
    const before = await eventCount();
    const response = await api('POST', '/v1/payment-charges', body, { 'request-idempotency-key': `t-${failureCode}` });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 400, failureCode, ...(field ? { field } : {}) });
    expect(Number.isNaN(Date.parse(response.body.timestamp))).toBe(false);
    if (message) expect(response.body.failureMessage).toMatch(message);
    expect(await eventCount()).toBe(before);
    return response;
  }

  it('refuses JSON nested 10,000 levels deep, and 33 levels (invalid_json_depth)', async () => {
    const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    await refusedWithoutEffect(deep(10_000), 'invalid_json_depth');
    await refusedWithoutEffect(
      JSON.stringify(chargeBody()).replace('{', `{"pad":${'['.repeat(10_000)}${']'.repeat(10_000)},`),
      'invalid_json_depth',
    );
    await refusedWithoutEffect(deep(33), 'invalid_json_depth');
    // 32 levels are JSON the gateway reads: this body is refused for what it lacks, not its depth.
    await refusedWithoutEffect(deep(32), 'missing_field', 'paymentMethod');
  });

  it('refuses a NUL in any string field, and in a key', async () => {
    await refusedWithoutEffect(
      chargeBody({ consumer: { name: 'John\u0000Smith', country: 'US' } }),
      'invalid_characters',
      'consumer.name',
    );
    await refusedWithoutEffect(chargeBody({ merchantPaymentChargeReference: '\u0000' }), 'invalid_characters');
    await refusedWithoutEffect(chargeBody({ surprise: ['x\u0000'] }), 'invalid_characters', 'surprise[0]');
    await refusedWithoutEffect(
      JSON.stringify(chargeBody()).replace('{', '{"a\\u0000b":1,'),
      'invalid_characters',
      'a\\u0000b',
    );
  });

  it('refuses an unpaired surrogate (a JSON \\ud800 escape) in any string field', async () => {
    const text = JSON.stringify(chargeBody({ consumer: { name: 'John Smith', country: 'US' } }));
    await refusedWithoutEffect(text.replace('John Smith', 'John \\ud800'), 'invalid_characters', 'consumer.name');
    await refusedWithoutEffect(text.replace('John Smith', '\\udc00'), 'invalid_characters', 'consumer.name');
    // A pair is one character, and a name.
    expect((await api('POST', '/v1/payment-charges', text.replace('John Smith', '\\ud83d\\ude00'))).status).toBe(201);
  });

  it('refuses other control characters in names, references and URLs', async () => {
    await refusedWithoutEffect(
      chargeBody({ consumer: { name: 'John\tSmith', country: 'US' } }),
      'invalid_characters',
      'consumer.name',
    );
    await refusedWithoutEffect(
      chargeBody({
        authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://x.example/\r\nX: y' } }],
      }),
      'invalid_characters',
      'authenticationSettings[0].settings.returnUrl',
    );
  });

  it('refuses a consumer name of white space only', async () => {
    await refusedWithoutEffect(
      chargeBody({ consumer: { name: ' \u3000 ', country: 'US' } }),
      'invalid_field',
      'consumer.name',
    );
  });

  it('says a string where a number belongs is a type error', async () => {
    await refusedWithoutEffect(
      chargeBody({ amount: { value: '100', currency: 'USD' } }),
      'invalid_field',
      'amount.value',
      /^amount\.value must be an integer$/,
    );
  });

  it('refuses a NUL or a control character in a query parameter', async () => {
    for (const value of ['%00', 'a%00b', '%0A', '%1B']) {
      const response = await api('GET', `/v1/payment-charges?merchantPaymentChargeReference=${value}`);
      expect(response).toMatchObject({
        status: 400,
        body: { status: 400, failureCode: 'invalid_characters', field: 'merchantPaymentChargeReference' },
      });
    }
    // Bytes that are not UTF-8 (a surrogate's CESU-8 encoding) are not decoded: the filter matches nothing.
    const undecoded = await api('GET', '/v1/payment-charges?merchantPaymentChargeReference=%ED%A0%80');
    expect(undecoded.status).toBe(200);
  });

  it('refuses a NUL or another control character in a header in the API’s error shape', async () => {
    for (const header of ['x-correlation-id: a\u0000b', 'request-idempotency-key: k\u0001', 'x-\u0000: 1']) {
      const response = await rawRequest(`GET /v1/payment-charges HTTP/1.1\r\nhost: localhost\r\n${header}`);
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ status: 400, failureCode: 'invalid_characters' });
    }
    const url = await rawRequest('GET /v1/payment-charges?merchantPaymentChargeReference=\u0000 HTTP/1.1\r\nhost: x');
    expect(JSON.parse(url.body)).toMatchObject({ status: 400, failureCode: 'invalid_url' });
  });

  it('applies the same text rules to captures and voids', async () => {
    const charge = await createCharge({ captureMethod: 'MANUAL' });
    const nul = await api('POST', `/v1/payment-charges/${charge.id}/voids`, { description: 'x\u0000' });
    expect(nul).toMatchObject({ status: 400, body: { failureCode: 'invalid_characters', field: 'description' } });
    const bell = await api('POST', `/v1/payment-charges/${charge.id}/voids`, { description: 'x\u0007' });
    expect(bell).toMatchObject({ status: 400, body: { failureCode: 'invalid_characters', field: 'description' } });
    const capture = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: '100' });
    expect(capture).toMatchObject({
      status: 400,
      body: { failureCode: 'invalid_field', field: 'amount', failureMessage: 'amount must be an integer' },
    });
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and body, with Request-Idempotency: true', async () => {
    const before = await eventCount();
    const first = await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'same-1' });
    const again = await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'same-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('request-idempotency')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('request-idempotency')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await eventCount()).toBe(before + 1);
  });

  it('treats Idempotency-Key as the same header', async () => {
    const first = await api('POST', '/v1/payment-charges', chargeBody(), { 'idempotency-key': 'alias-1' });
    const again = await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'alias-1' });
    expect(again.body.id).toBe(first.body.id);
  });

  it('answers 409 for the same key with a different body', async () => {
    await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'diff-1' });
    const other = await api('POST', '/v1/payment-charges', chargeBody({ amount: { value: 2000, currency: 'USD' } }), {
      'request-idempotency-key': 'diff-1',
    });
    expect(other).toMatchObject({ status: 409, body: { failureCode: 'idempotency_key_reused' } });
  });

  it('creates one charge from concurrent requests with one key', async () => {
    const before = await eventCount();
    const responses = await Promise.all(
      Array.from({ length: 12 }, () =>
        api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'race-1' }),
      ),
    );
    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
    for (const r of responses.filter((r) => r.status !== 201)) {
      expect(r).toMatchObject({ status: 409, body: { failureCode: 'idempotency_key_in_use' } });
    }
    expect(await eventCount()).toBe(before + 1);
  });

  it('does not keep a key whose first attempt failed with a 4xx', async () => {
    const bad = await api('POST', '/v1/payment-charges', chargeBody({ amount: { value: 1000, currency: 'EUR' } }), {
      'request-idempotency-key': 'fix-1',
    });
    expect(bad.status).toBe(400);
    const fixed = await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'fix-1' });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('request-idempotency')).toBeNull();
  });

  it('forgets keys after 24 hours', async () => {
    const first = await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'ttl-1' });
    stack.clock.advanceBy(DAY - 1);
    expect(
      (await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'ttl-1' })).body.id,
    ).toBe(first.body.id);
    stack.clock.advanceBy(1);
    const later = await api('POST', '/v1/payment-charges', chargeBody(), { 'request-idempotency-key': 'ttl-1' });
    expect(later.status).toBe(201);
    expect(later.headers.get('request-idempotency')).toBeNull();
    expect(later.body.id).not.toBe(first.body.id);
  });

  it('refuses an unusable key', async () => {
    const response = await api('POST', '/v1/payment-charges', chargeBody(), {
      'request-idempotency-key': 'x'.repeat(256),
    });
    expect(response).toMatchObject({ status: 400, body: { failureCode: 'invalid_idempotency_key' } });
  });

  it('makes captures idempotent too', async () => {
    const charge = await createCharge({ captureMethod: 'MANUAL' });
    await consumer(charge, 'APPROVE');
    const first = await api(
      'POST',
      `/v1/payment-charges/${charge.id}/captures`,
      { amount: 300 },
      { 'request-idempotency-key': 'cap-1' },
    );
    const again = await api(
      'POST',
      `/v1/payment-charges/${charge.id}/captures`,
      { amount: 300 },
      { 'request-idempotency-key': 'cap-1' },
    );
    expect(first.status).toBe(201);
    expect(again.headers.get('request-idempotency')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.captures).toHaveLength(1);
  });
});

describe('the consumer’s redirect', () => {
  it('approval captures an automatic-capture charge', async () => {
    const charge = await createCharge();
    const view = await consumer(charge, 'APPROVE');
    expect(view).toMatchObject({
      status: 'CAPTURED',
      merchantName: 'Acme Books',
      returnUrl: 'https://www.your-return-page.com/',
    });
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.status).toBe('CAPTURED');
    expect(after.history.map((h: { status: string }) => h.status)).toEqual([
      'AUTHENTICATION_PENDING',
      'AUTHORIZATION_PROCESSING',
      'CAPTURE_PROCESSING',
      'CAPTURED',
    ]);
    expect(after.authorizations).toMatchObject([{ amount: 1000, status: 'AUTHORIZED' }]);
    expect(after.captures).toMatchObject([{ amount: 1000, status: 'CAPTURED' }]);
  });

  it('approval leaves a manual-capture charge CAPTURE_PENDING', async () => {
    const charge = await createCharge({ captureMethod: 'MANUAL' });
    expect((await consumer(charge, 'APPROVE')).status).toBe('CAPTURE_PENDING');
  });

  it('cancel fails the charge with a failure object', async () => {
    const charge = await createCharge();
    await consumer(charge, 'CANCEL');
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after).toMatchObject({
      status: 'FAILED',
      failure: {
        failureType: 'PROVIDER_DECLINE',
        failureCode: 'consumer_canceled',
        providerFailureCode: 'BuyerCanceled',
        isRetryable: true,
      },
    });
  });

  it('a second decision changes nothing', async () => {
    const charge = await createCharge();
    await consumer(charge, 'CANCEL');
    expect((await consumer(charge, 'APPROVE')).status).toBe('FAILED');
  });

  it('a wrong link token is an invalid link', async () => {
    const charge = await createCharge();
    await expect(
      stack.charges
        .get(CompleteCheckoutHandler)
        .complete({ chargeId: charge.id, token: 'forged', decision: 'APPROVE', correlationId: 't' }),
    ).rejects.toMatchObject({ code: 'hosted_page_link_invalid' });
  });

  it('fails the charge when the consumer does nothing for 10 minutes, by a timer that survives a restart', async () => {
    const charge = await createCharge();
    await stack.restartCharges();
    stack.clock.advanceBy(10 * MINUTE - 1);
    await stack.runDueTimers();
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('AUTHENTICATION_PENDING');
    stack.clock.advanceBy(1);
    await stack.runDueTimers();
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after).toMatchObject({
      status: 'FAILED',
      failure: { failureCode: 'authentication_timed_out', isRetryable: true },
    });
    const timersLeft = async () =>
      Number(
        (
          await db.pool.query(`SELECT count(*) AS n FROM timers WHERE queue = 'charge-deadlines' AND key = $1`, [
            charge.id,
          ])
        ).rows[0].n,
      );
    expect(await timersLeft()).toBe(0);
    // Reading the log again does not bring the fired timer back.
    await stack.runDueTimers();
    expect(await timersLeft()).toBe(0);
  });

  it('writes creation timers from the log once, however many replicas catch up at the same time', async () => {
    await stack.runDueTimers();
    const charges = await Promise.all(Array.from({ length: 30 }, () => createCharge()));
    const ids = charges.map((c) => c.id);
    const timers = async () =>
      Number(
        (
          await db.pool.query(
            `SELECT count(*) AS n FROM timers
              WHERE queue = 'charge-deadlines' AND kind = 'authentication_timeout' AND key = ANY($1)`,
            [ids],
          )
        ).rows[0].n,
      );
    expect(await timers()).toBe(0); // a create writes no timer itself
    const feed = stack.charges.get(ChargeDeadlineFeed);
    const replica = new ChargeDeadlineFeed(
      db.pool,
      stack.charges.get(EVENT_STORE),
      new PostgresTimerStore(db.pool, stack.charges.get(DataSource).getRepository(TimerEntity)),
    );
    const written = await Promise.all([feed.catchUp(10), replica.catchUp(10), feed.catchUp(10), replica.catchUp(10)]);
    expect(written.reduce((a, b) => a + b, 0)).toBe(30); // every creation read exactly once
    expect(await timers()).toBe(30);
  });

  it('between polls for due timers, reads creation timers from the log on an interval of its own', async () => {
    await stack.runDueTimers();
    const charges = stack.charges;
    // A replica whose due-timer poll never comes within the test: only the feed's interval can write the timer.
    const config: ChargesConfig = {
      ...charges.get<symbol, ChargesConfig>(CHARGES_CONFIG),
      CHARGE_DEADLINE_POLL_MS: 3_600_000,
      CHARGE_TIMER_FEED_POLL_MS: 20,
    };
    const replica = new ChargeDeadlineWorker(
      charges.get(PostgresTimerStore),
      charges.get(ChargeDeadlineFeed),
      charges.get(RunChargeDeadlineHandler),
      charges.get(CLOCK),
      config,
      charges.get(JsonLogger),
    );
    replica.onApplicationBootstrap();
    try {
      const charge = await createCharge();
      await waitFor(
        'the creation timer',
        async () =>
          (
            await db.pool.query(
              `SELECT 1 FROM timers WHERE queue = 'charge-deadlines' AND key = $1 AND kind = 'authentication_timeout'`,
              [charge.id],
            )
          ).rowCount === 1,
        5_000,
      );
    } finally {
      await replica.onApplicationShutdown();
    }
  });

  const declines = Object.entries(SIMULATED_FAILURES).filter(([code]) => code !== 'BuyerCanceled');
  it.each(declines)('simulation code %s (header) fails the approved charge with its failure', async (code, failure) => {
    const charge = await createCharge({}, { 'sandbox-simulation-code': code });
    await consumer(charge, 'APPROVE');
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.status).toBe('FAILED');
    expect(after.failure).toEqual(failure);
    expect(after.authorizations).toMatchObject([{ status: 'DECLINED', amount: 1000 }]);
  });

  it('simulation code BuyerCanceled (body field) fails even when the consumer clicks pay', async () => {
    const charge = await createCharge({ sandbox: { simulationCode: 'BuyerCanceled' } });
    await consumer(charge, 'APPROVE');
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body).toMatchObject({
      status: 'FAILED',
      failure: { failureCode: 'consumer_canceled', providerFailureCode: 'BuyerCanceled' },
    });
  });

  it('AuthorizationInitiated goes AUTHORIZATION_ASYNC and is resolved later', async () => {
    const charge = await createCharge({ sandbox: { simulationCode: 'AuthorizationInitiated' } });
    await consumer(charge, 'APPROVE');
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body).toMatchObject({
      status: 'AUTHORIZATION_ASYNC',
      authorizations: [{ status: 'PENDING' }],
    });
    stack.clock.advanceBy(30_000);
    await stack.runDueTimers();
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body).toMatchObject({
      status: 'CAPTURED',
      authorizations: [{ status: 'AUTHORIZED' }],
      captures: [{ amount: 1000 }],
    });
  });
});

describe('capture and void', () => {
  async function authorizedManualCharge() {
    const charge = await createCharge({ captureMethod: 'MANUAL' });
    await consumer(charge, 'APPROVE');
    return charge;
  }

  it('captures partially, refuses more than is left, and lists and gets captures', async () => {
    const charge = await authorizedManualCharge();
    const first = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 600 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ paymentChargeId: charge.id, amount: 600, currency: 'USD', status: 'CAPTURED' });
    expect(first.body.id).toMatch(/^cap_/);
    const tooMuch = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 401 });
    expect(tooMuch).toMatchObject({ status: 409, body: { failureCode: 'amount_exceeds_authorized' } });
    const rest = await api('POST', `/v1/payment-charges/${charge.id}/captures`, {});
    expect(rest.body.amount).toBe(400);
    const list = await api('GET', `/v1/payment-charges/${charge.id}/captures`);
    expect(list.body).toEqual({ data: [first.body, rest.body], hasMore: false, nextCursor: null });
    expect((await api('GET', `/v1/payment-charges/${charge.id}/captures/${first.body.id}`)).body).toEqual(first.body);
    expect((await api('GET', `/v1/payment-charges/${charge.id}/captures/cap_nope`)).status).toBe(404);
    const voided = await api('POST', `/v1/payment-charges/${charge.id}/voids`, {});
    expect(voided).toMatchObject({
      status: 409,
      body: { failureCode: 'invalid_charge_status', currentStatus: 'CAPTURED' },
    });
  });

  it('voids an authorized charge, then refuses to capture it', async () => {
    const charge = await authorizedManualCharge();
    const voided = await api('POST', `/v1/payment-charges/${charge.id}/voids`, {});
    expect(voided.status).toBe(201);
    expect(voided.body).toMatchObject({ amount: 1000, status: 'VOIDED', reason: 'MERCHANT_REQUESTED' });
    expect((await api('GET', `/v1/payment-charges/${charge.id}/voids`)).body).toEqual({
      data: [voided.body],
      hasMore: false,
      nextCursor: null,
    });
    expect((await api('GET', `/v1/payment-charges/${charge.id}/voids/${voided.body.id}`)).body).toEqual(voided.body);
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('VOIDED');
    const capture = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 100 });
    expect(capture).toMatchObject({
      status: 409,
      body: { failureCode: 'invalid_charge_status', currentStatus: 'VOIDED' },
    });
  });

  it('pages captures and voids in the order they were made, by cursor, like every list', async () => {
    const charge = await authorizedManualCharge();
    const first = (await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 300 })).body;
    const second = (await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 200 })).body;
    const voided = (await api('POST', `/v1/payment-charges/${charge.id}/voids`, {})).body;
    const captures = `/v1/payment-charges/${charge.id}/captures`;

    const page1 = await api('GET', `${captures}?limit=1`);
    expect(page1).toMatchObject({ status: 200, body: { data: [first], hasMore: true, nextCursor: first.id } });
    const page2 = await api('GET', `${captures}?limit=1&startingAfter=${page1.body.nextCursor}`);
    expect(page2).toMatchObject({ status: 200, body: { data: [second], hasMore: false, nextCursor: null } });
    expect((await api('GET', `${captures}?startingAfter=${second.id}`)).body).toEqual({
      data: [],
      hasMore: false,
      nextCursor: null,
    });
    expect((await api('GET', `${captures}?limit=2`)).body).toEqual({
      data: [first, second],
      hasMore: false,
      nextCursor: null,
    });

    const voids = `/v1/payment-charges/${charge.id}/voids`;
    expect((await api('GET', `${voids}?limit=1`)).body).toEqual({ data: [voided], hasMore: false, nextCursor: null });
    expect((await api('GET', `${voids}?startingAfter=${voided.id}`)).body.data).toEqual([]);

    // A cursor is one of this charge's own operations, of the listed kind.
    expect((await api('GET', `${captures}?startingAfter=${voided.id}`)).body).toMatchObject({
      failureCode: 'invalid_field',
      field: 'startingAfter',
    });
    const elsewhere = `cap_${'0'.repeat(32)}`;
    expect(await api('GET', `${captures}?startingAfter=${elsewhere}`)).toMatchObject({
      status: 400,
      body: { failureCode: 'invalid_field', field: 'startingAfter' },
    });
    expect((await api('GET', `${voids}?startingAfter=${first.id}`)).status).toBe(400);
    for (const query of ['limit=0', 'limit=101', 'limit=x', 'status=CAPTURED']) {
      expect((await api('GET', `${captures}?${query}`)).status).toBe(400);
    }
    expect((await api('GET', `/v1/payment-charges/charge_${'0'.repeat(32)}/captures`)).status).toBe(404);
  });

  it('a void after a partial capture releases the rest', async () => {
    const charge = await authorizedManualCharge();
    await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 250 });
    const voided = await api('POST', `/v1/payment-charges/${charge.id}/voids`, {});
    expect(voided.body.amount).toBe(750);
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('CAPTURED');
  });

  it('refuses capture and void before the consumer approved, with the current status', async () => {
    const charge = await createCharge({ captureMethod: 'MANUAL' });
    for (const path of ['captures', 'voids']) {
      const response = await api('POST', `/v1/payment-charges/${charge.id}/${path}`, {});
      expect(response).toMatchObject({ status: 409, body: { currentStatus: 'AUTHENTICATION_PENDING' } });
    }
    expect((await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 1.5 })).status).toBe(400);
  });

  it('voids an authorization left uncaptured past the 7-day window, across a restart', async () => {
    const charge = await authorizedManualCharge();
    await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 100 });
    await stack.restartCharges();
    stack.clock.advanceBy(7 * DAY);
    await stack.runDueTimers();
    const after = (await api('GET', `/v1/payment-charges/${charge.id}`)).body;
    expect(after.voids).toMatchObject([{ amount: 900, reason: 'CAPTURE_WINDOW_EXPIRED' }]);
    const late = await api('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 100 });
    expect(late.status).toBe(409);
  });
});

describe('reads', () => {
  it('GET is folded from the event stream: the read model can be dropped', async () => {
    const charge = await createCharge();
    await consumer(charge, 'APPROVE');
    await db.pool.query('TRUNCATE charge_list_view');
    expect((await api('GET', `/v1/payment-charges/${charge.id}`)).body.status).toBe('CAPTURED');
  });

  it('lists and filters from the read model built from the event log, with cursor pagination', async () => {
    const other = await stack.merchant('List Shop');
    const listApi = apiClient(stack.baseUrl, other.apiKey);
    const ids: string[] = [];
    for (const reference of ['a', 'b', 'c']) {
      const r = await listApi(
        'POST',
        '/v1/payment-charges',
        chargeBody({ merchantPaymentChargeReference: `ref-${reference}` }),
      );
      ids.push(r.body.id);
    }
    await waitFor(
      'the read model to catch up',
      async () => (await listApi('GET', '/v1/payment-charges')).body.data.length === 3,
    );
    const page1 = (await listApi('GET', '/v1/payment-charges?limit=2')).body;
    expect(page1.data.map((c: { id: string }) => c.id)).toEqual([ids[2], ids[1]]);
    expect(page1.hasMore).toBe(true);
    const page2 = (await listApi('GET', `/v1/payment-charges?limit=2&startingAfter=${page1.nextCursor}`)).body;
    expect(page2).toMatchObject({ hasMore: false, nextCursor: null });
    expect(page2.data.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
    const byReference = (await listApi('GET', '/v1/payment-charges?merchantPaymentChargeReference=ref-b')).body;
    expect(byReference.data.map((c: { id: string }) => c.id)).toEqual([ids[1]]);
    expect((await listApi('GET', '/v1/payment-charges?limit=500')).status).toBe(400);

    const charge = (await listApi('GET', `/v1/payment-charges/${ids[0]}`)).body;
    await stack.charges
      .get(CompleteCheckoutHandler)
      .complete({ chargeId: charge.id, token: tokenOf(charge), decision: 'CANCEL', correlationId: 't' });
    await waitFor('the status filter to see the failed charge', async () => {
      const failed = (await listApi('GET', '/v1/payment-charges?status=FAILED')).body;
      return failed.data.length === 1 && failed.data[0].id === ids[0];
    });
    expect(merchantId).not.toBe(other.merchant.id);
  });
});

describe('the charge list projection', () => {
  it('rebuilds from position 0 into a fresh table and swaps it in: equal to the live one row for row', async () => {
    const shop = await stack.merchant('Rebuild Shop');
    const shopApi = apiClient(stack.baseUrl, shop.apiKey);
    // Charges in every state the list shows: pending, failed, captured (whole or part), voided.
    async function lifeOf(i: number) {
      const created = await shopApi(
        'POST',
        '/v1/payment-charges',
        chargeBody({ captureMethod: 'MANUAL', merchantPaymentChargeReference: `rebuild-${i}` }),
      );
      expect(created.status).toBe(201);
      const charge = created.body;
      if (i % 7 === 0) return;
      await consumer(charge, i % 11 === 0 ? 'CANCEL' : 'APPROVE');
      if (i % 11 === 0) return;
      if (i % 3 === 0) await shopApi('POST', `/v1/payment-charges/${charge.id}/captures`, { amount: 300 });
      if (i % 3 === 1) await shopApi('POST', `/v1/payment-charges/${charge.id}/voids`, {});
      if (i % 3 === 2) await shopApi('POST', `/v1/payment-charges/${charge.id}/captures`, {});
    }
    for (let i = 0; i < 300; i += 20) await Promise.all(Array.from({ length: 20 }, (_, k) => lifeOf(i + k)));
    const runners = stack.charges.get(ProjectionRunners);
    const projection = stack.charges.get(ChargeListProjection);
    await runners.catchUp();

    // The live table as the live runner keeps it: a copy at the live checkpoint, then kept by the same batches.
    const reference = {
      table: 'charge_list_reference',
      checkpoint: 'test.charge-list-reference',
      tableOf: (live: string) => live,
    };
    const session = await db.pool.connect();
    try {
      await session.query('BEGIN');
      await session.query(`SELECT 1 FROM relay_checkpoints WHERE relay_name = $1 FOR UPDATE`, [projection.name]);
      await session.query(`CREATE TABLE ${reference.table} (LIKE charge_list_view INCLUDING ALL)`);
      await session.query(`INSERT INTO ${reference.table} SELECT * FROM charge_list_view`);
      await session.query(
        `INSERT INTO relay_checkpoints (relay_name, transaction_id, global_position)
         SELECT $2, transaction_id, global_position FROM relay_checkpoints WHERE relay_name = $1`,
        [projection.name, reference.checkpoint],
      );
      await session.query('COMMIT');
    } finally {
      session.release();
    }

    // Writes go on during the rebuild, and the live runner keeps polling.
    let writing = true;
    let written = 0;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 1000 + w; writing; i += 4, written++) await lifeOf(i);
    });
    while (written < 4) await sleep(10);
    const startedAt = new Date();
    const result = await rebuildProjection(db.pool, stack.charges.get(EVENT_STORE), projection, { batchSize: 50 });
    const endedAt = new Date();
    await sleep(200);
    writing = false;
    await Promise.all(writers);
    expect(result).toMatchObject({ table: 'charge_list_view', rebuiltAs: 'charge_list_view_rebuild_1' });
    const duringRebuild = await db.pool.query(
      `SELECT count(*)::int AS n FROM events WHERE stream_type = 'charge' AND recorded_at BETWEEN $1 AND $2`,
      [startedAt, endedAt],
    );
    expect(duringRebuild.rows[0].n).toBeGreaterThan(0);

    await runners.catchUp();
    await catchUpProjection(db.pool, stack.charges.get(EVENT_STORE), projection, reference);
    const rowsOf = async (table: string) =>
      (await db.pool.query(`SELECT * FROM ${table} WHERE merchant_id = $1 ORDER BY charge_id`, [shop.merchant.id]))
        .rows;
    const live = await rowsOf(reference.table);
    const rebuilt = await rowsOf('charge_list_view');
    expect(live.length).toBeGreaterThan(300 + 4);
    expect([...new Set(live.map((r) => r.status))]).toEqual(
      expect.arrayContaining(['AUTHENTICATION_PENDING', 'FAILED', 'CAPTURED', 'VOIDED']),
    );
    expect(rebuilt).toEqual(live);
    // The rebuild also brought back the rows an earlier test dropped from the live table.
    const missing = await db.pool.query(
      `SELECT count(*)::int AS n FROM (SELECT DISTINCT stream_id FROM events WHERE stream_type = 'charge') e
       WHERE NOT EXISTS (SELECT 1 FROM charge_list_view v WHERE 'charge:' || v.charge_id = e.stream_id)`,
    );
    expect(missing.rows[0].n).toBe(0);
    // The list reads the swapped-in table, and the live runner keeps it.
    const next = await createCharge({ merchantPaymentChargeReference: 'after-the-swap' });
    await waitFor('the list to show the charge created after the swap', async () => {
      const list = (await api('GET', '/v1/payment-charges?merchantPaymentChargeReference=after-the-swap')).body;
      return list.data.length === 1 && list.data[0].id === next.id;
    });
    await db.pool.query(`DROP TABLE ${reference.table}`);
  });
});

describe('OpenAPI', () => {
  it('serves the document at /docs-json, its bodies described by the schemas requests are checked against', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an OpenAPI document, checked by path
    const json: any = await (await fetch(`${stack.baseUrl}/docs-json`)).json();
    expect(Object.keys(json.paths)).toEqual(
      expect.arrayContaining([
        '/v1/payment-charges',
        '/v1/payment-charges/{id}',
        '/v1/payment-charges/{id}/captures',
        '/v1/payment-charges/{id}/voids',
      ]),
    );
    const create = json.paths['/v1/payment-charges'].post;
    expect(create.requestBody.content['application/json'].examples.seed001.value).toEqual(SEED_001_CHARGE);
    expect(json.components.schemas.CreatePaymentChargeDto.required).toEqual(
      expect.arrayContaining(['paymentMethod', 'amount', 'consumer', 'authenticationSettings']),
    );
    // A field's constraints in the document are those of the schema requests are checked against.
    expect(json.components.schemas.ConsumerDto.properties.name).toEqual(
      createPaymentChargeBody.schema.properties?.consumer.properties?.name,
    );
    expect(json.components.schemas.AmountDto.properties.value).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    for (const path of ['/v1/payment-charges/{id}/captures', '/v1/payment-charges/{id}/voids']) {
      expect(json.paths[path].post.requestBody.content['application/json'].schema.$ref).toMatch(/Dto$/);
    }
  });
});

describe('webhooksUrl: only https to public addresses (SSRF), checked at creation', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ['https://169.254.169.254/latest/meta-data/'],
    ['https://[::ffff:169.254.169.254]/latest/meta-data/'],
    ['https://metadata.google.internal/computeMetadata/v1/'],
    ['https://10.0.0.8/hooks'],
    // 127.0.0.1 is the stack's allow-listed receiver host; the rest of 127/8 is not.
    ['https://127.0.0.2/hooks'],
    ['https://2130706434/hooks'],
    ['https://user:secret@93.184.216.34/hooks'],
    ['http://93.184.216.34/hooks'],
    ['https://no-such-host.invalid/hooks'],
  ])('refuses %s with a 400 webhooks_url_not_allowed, and stores nothing', async (webhooksUrl) => {
    const before = await eventCount();
    const response = await api('POST', '/v1/payment-charges', chargeBody({ webhooksUrl }));
    expect(response).toMatchObject({
      status: 400,
      body: { failureCode: 'webhooks_url_not_allowed', field: 'webhooksUrl' },
    });
    expect(response.body.failureMessage).toMatch(/^webhooksUrl /);
    expect(await eventCount()).toBe(before);
  });

  it('accepts http to an allow-listed local host (WEBHOOK_ALLOWED_HOSTS), and only with it', async () => {
    const webhooksUrl = 'http://127.0.0.1:4010/hooks';
    const { apiKey } = await stack.merchant('Local Receiver Co');
    const allowing = await stack.startGateway({ WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    const refusing = await stack.startGateway({ WEBHOOK_ALLOWED_HOSTS: 'receiver.local' });
    try {
      const accepted = await apiClient(allowing.baseUrl, apiKey)(
        'POST',
        '/v1/payment-charges',
        chargeBody({ webhooksUrl }),
      );
      expect(accepted).toMatchObject({ status: 201, body: { webhooksUrl } });
      const refused = await apiClient(refusing.baseUrl, apiKey)(
        'POST',
        '/v1/payment-charges',
        chargeBody({ webhooksUrl }),
      );
      expect(refused).toMatchObject({ status: 400, body: { failureCode: 'webhooks_url_not_allowed' } });
    } finally {
      await allowing.app.close();
      await refusing.app.close();
    }
  });
});
