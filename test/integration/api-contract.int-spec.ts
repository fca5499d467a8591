/**
 * The API document is the contract (issue 14): valid and lint-clean under tools nobody here wrote, complete for every
 * route the gateway serves, true of every answer (apiClient validates each one against it, status, headers and body,
 * in a closed copy), and usable: a client generated from it compiles a merchant's program under `tsc --strict` with
 * no casts, and that program runs against the real stack.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  FAILURE_CODES,
  publicFailureCodes,
  WEBHOOK_EVENT_TYPE_DEFINITIONS,
  WEBHOOK_EVENT_TYPES,
} from '@payment-ledger/contracts';
import {
  amazonPayNotificationBody,
  SANDBOX_NOTIFICATION_SIGNATURE_HEADER,
  signSandboxNotification,
} from '@payment-ledger/payment-methods';
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { type ApiContract, apiContractOf } from '../support/api-contract';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { launchChromium } from '../support/e2e-harness';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

/* eslint-disable @typescript-eslint/no-explicit-any -- the document is walked as plain JSON */

const run = promisify(execFile);

/** test/contract/merchant-program.ts, compiled against the generated client (its types are the generated ones). */
interface MerchantProgram {
  runMerchantProgram(
    baseUrl: string,
    apiKey: string,
    consent: (agreement: Redirectable) => Promise<void>,
  ): Promise<{ charge: any; listed: string[]; agreement: any; agreementCharge: any }>;
}
const ROOT = join(__dirname, '..', '..');

let db: TestDatabase;
let stack: PaymentStack;
let contract: ApiContract;
let api: ReturnType<typeof apiClient>;
let apiKey: string;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { webhooks: true, ledger: true }).start();
  apiKey = (await stack.merchant('Contract Books')).apiKey;
  api = apiClient(stack.baseUrl, apiKey);
  contract = await apiContractOf(stack.baseUrl);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

type Redirectable = { id: string; authenticationMethods: { details: { requestUrl: string } }[] };
const tokenOf = (object: Redirectable) =>
  new URL(object.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
const approveCharge = (charge: Redirectable) =>
  stack.charges
    .get(CompleteCheckoutHandler)
    .complete({ chargeId: charge.id, token: tokenOf(charge), decision: 'APPROVE', correlationId: 'contract' });
const approveAgreement = (agreement: Redirectable) =>
  stack.agreements
    .get(CompleteAgreementCheckoutHandler)
    .complete({ agreementId: agreement.id, token: tokenOf(agreement), decision: 'APPROVE', correlationId: 'contract' });

/** Every route the gateway's controllers declare (not the excluded health routes), as `METHOD /path/{param}`. */
function declaredRoutes(app: INestApplication): string[] {
  const routes: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      if (!metatype) continue;
      if (Reflect.getMetadata('swagger/apiExcludeController', metatype)) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, metatype) ?? '');
      for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
        const handler = metatype.prototype[name];
        const path = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined || name === 'constructor') continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const full = `/${[base, path].filter((p) => p && p !== '/').join('/')}`.replace(/:(\w+)/g, '{$1}');
        routes.push(`${method} ${full}`);
      }
    }
  }
  return routes.sort();
}

describe('the document', () => {
  it('passes swagger-parser, the OpenAPI 3.0 schema and Redocly’s recommended rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-document-'));
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(contract.document));
    const { stdout } = await run(process.execPath, [join(ROOT, 'test/contract/check-document.mjs'), file]);
    rmSync(dir, { recursive: true, force: true });
    const result = JSON.parse(stdout);
    expect(result.swaggerParser).toEqual([]);
    expect(result.schemaValidator).toEqual([]);
    expect(result.redocly.errors).toEqual([]);
  });

  it('documents every route completely: summary, body, success schema, every error, headers, bearer key', () => {
    const document = contract.document;
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(declaredRoutes(stack.gateway));

    for (const [path, item] of Object.entries<Record<string, any>>(document.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, operation.operationId, typeof operation.summary]).toEqual([
          where,
          expect.stringMatching(/^[a-z][A-Za-z]+$/),
          'string',
        ]);
        // The provider's notification routes take no API key (the provider signs them) and no idempotency key.
        const provider = path.startsWith('/v1/provider-notifications/');
        expect([where, operation.security]).toEqual([where, provider ? [] : [{ bearer: [] }]]);
        const statuses = Object.keys(operation.responses).map(Number);
        const success = statuses.filter((s) => s < 300);
        expect([where, success.length]).toEqual([where, 1]);
        expect(operation.responses[success[0]].content['application/json'].schema).toBeDefined();
        const common = [400, 401, 403, 408, 429, 431, 500, 503, ...(operation.requestBody ? [413, 415] : [])];
        expect([where, common.filter((s) => !statuses.includes(s))]).toEqual([where, []]);
        for (const status of statuses) {
          const answer = operation.responses[status];
          expect([where, status, answer.headers?.['X-Correlation-Id']?.required]).toEqual([where, status, true]);
          if (status >= 400) expect(answer.content['application/json'].schema.$ref).toMatch(/Error$/);
        }
        expect(operation.responses[429].headers).toHaveProperty('Retry-After');
        expect(operation.responses[429].headers).toHaveProperty('RateLimit-Reset');
        if (method === 'post' && !provider) {
          const headers = (operation.parameters ?? []).filter((p: any) => p.in === 'header').map((p: any) => p.name);
          expect([where, headers]).toEqual([
            where,
            expect.arrayContaining(['Request-Idempotency-Key', 'Idempotency-Key']),
          ]);
          expect(operation.responses[success[0]].headers).toHaveProperty('Request-Idempotency');
        }
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in === 'path') expect([where, parameter.schema.pattern]).toEqual([where, expect.any(String)]);
        }
      }
    }
    expect(document.components.securitySchemes.bearer.bearerFormat).not.toMatch(/JWT/);
    expect(document.servers.length).toBeGreaterThan(0);
  });

  it('lists every failure code of the catalogue in its FailureCode enum, and each error model the codes of its status', () => {
    const schemas = contract.document.components.schemas;
    expect(schemas.FailureCode.enum).toEqual(publicFailureCodes()); // internal codes never reach the API
    for (const [name, schema] of Object.entries<any>(schemas)) {
      if (!name.endsWith('Error')) continue;
      const status = schema.properties.status.enum[0];
      expect(schema.properties.failureCode.enum).toEqual(
        Object.entries<{ status: number; scope?: string }>(FAILURE_CODES)
          .filter(([, entry]) => entry.status === status && !entry.scope)
          .map(([code]) => code),
      );
    }
  });

  it('says integers are integers, timestamps date-times and ids carry their prefix', () => {
    const charge = contract.document.components.schemas.PaymentCharge.properties;
    expect(contract.document.components.schemas.Amount.properties.value.type).toBe('integer');
    expect(charge.createdAt).toMatchObject({ type: 'string', format: 'date-time' });
    expect(charge.id.pattern).toBe('^charge_[0-9a-f]{32}$');
    expect(charge.failure).toMatchObject({ type: 'object', nullable: true });
    expect(charge.merchantPaymentChargeReference).toMatchObject({ type: 'string', nullable: true });
    const { PaymentChargeRefund: refund, PaymentChargeChargeback: chargeback } = contract.document.components.schemas;
    expect([refund.properties.id.pattern, refund.properties.amount.type]).toEqual(['^refund_[0-9a-f]{32}$', 'integer']);
    expect(refund.properties.failure).toMatchObject({ type: 'object', nullable: true });
    expect(chargeback.properties.id.pattern).toBe('^cb_[0-9a-f]{32}$');
    expect(contract.document.components.schemas.PaymentChargeList.properties.nextCursor).toMatchObject({
      type: 'string',
      nullable: true,
    });
  });

  it('lists every webhook event type under x-webhooks, each with its CloudEvents envelope schema', () => {
    const { document } = contract;
    expect(Object.keys(document['x-webhooks'])).toEqual([...WEBHOOK_EVENT_TYPES]);
    for (const type of WEBHOOK_EVENT_TYPES) {
      const { $ref } = document['x-webhooks'][type].post.requestBody.content['application/json'].schema;
      const envelope = document.components.schemas[$ref.replace('#/components/schemas/', '')];
      expect(envelope.properties.type.enum).toEqual([type]);
      const data = envelope.properties.data.allOf?.[0] ?? envelope.properties.data;
      expect(data.$ref).toBe(`#/components/schemas/${WEBHOOK_EVENT_TYPE_DEFINITIONS[type].dataSchema}`);
    }
  });
});

describe('every answer is what the document says', () => {
  it('drives every operation and every documented error of its own; each answer is validated', async () => {
    // One-time payment, automatic capture (seed 001), with an idempotent replay.
    const automatic = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': 'c-1' });
    expect(automatic.status).toBe(201);
    const replay = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Idempotency-Key': 'c-1' });
    expect(replay.headers.get('request-idempotency')).toBe('true');
    const reused = await api(
      'POST',
      '/v1/payment-charges',
      { ...SEED_001_CHARGE, captureMethod: 'MANUAL' },
      {
        'Request-Idempotency-Key': 'c-1',
      },
    );
    expect(reused.body.failureCode).toBe('idempotency_key_reused');
    await approveCharge(automatic.body);
    expect((await api('GET', `/v1/payment-charges/${automatic.body.id}`)).body.status).toBe('CAPTURED');

    // Manual capture: partial capture, too much, the rest, void refused; another charge voided.
    const manual = (await api('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, captureMethod: 'MANUAL' })).body;
    await approveCharge(manual);
    const capture = await api('POST', `/v1/payment-charges/${manual.id}/captures`, { amount: 600 });
    expect(capture.status).toBe(201);
    expect((await api('POST', `/v1/payment-charges/${manual.id}/captures`, { amount: 401 })).status).toBe(409);
    expect((await api('POST', `/v1/payment-charges/${manual.id}/captures`, {})).status).toBe(201);
    expect((await api('GET', `/v1/payment-charges/${manual.id}/captures/${capture.body.id}`)).status).toBe(200);
    const captures = await api('GET', `/v1/payment-charges/${manual.id}/captures?limit=1`);
    expect(captures.body).toMatchObject({ hasMore: true, nextCursor: capture.body.id });
    expect((await api('POST', `/v1/payment-charges/${manual.id}/voids`, {})).status).toBe(409);
    const voidable = (await api('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, captureMethod: 'MANUAL' })).body;
    await approveCharge(voidable);
    const voided = await api('POST', `/v1/payment-charges/${voidable.id}/voids`, { description: 'order canceled' });
    expect(voided.status).toBe(201);
    expect((await api('GET', `/v1/payment-charges/${voidable.id}/voids/${voided.body.id}`)).status).toBe(200);
    expect((await api('GET', `/v1/payment-charges/${voidable.id}/voids`)).body.data).toHaveLength(1);

    // Refunds of the automatic charge (1000 captured): a partial one with an idempotent replay, too much, the rest
    // (delayed by the sandbox); nothing to refund on the voided charge; read one by one, by charge and for finance.
    const refunds = `/v1/payment-charges/${automatic.body.id}/refunds`;
    const refundKey = { 'Request-Idempotency-Key': 'r-1' };
    const partialRefund = { amount: 300, reason: 'item returned', merchantRefundReference: 'return-1' };
    const refund = await api('POST', refunds, partialRefund, refundKey);
    expect(refund).toMatchObject({
      status: 201,
      body: { id: expect.stringMatching(/^refund_/), paymentChargeId: automatic.body.id, amount: 300, currency: 'USD' },
    });
    const refundReplay = await api('POST', refunds, partialRefund, refundKey);
    expect([refundReplay.headers.get('request-idempotency'), refundReplay.body.id]).toEqual(['true', refund.body.id]);
    expect((await api('POST', refunds, { amount: 301 }, refundKey)).body.failureCode).toBe('idempotency_key_reused');
    expect((await api('POST', refunds, { amount: 701 })).body).toMatchObject({
      status: 409,
      failureCode: 'amount_exceeds_refundable',
      refundableAmount: 700,
    });
    const rest = await api('POST', refunds, {}, { 'sandbox-simulation-code': 'RefundDelayed' });
    expect(rest).toMatchObject({ status: 201, body: { amount: 700, status: 'REFUND_PENDING' } });
    expect((await api('POST', `/v1/payment-charges/${voidable.id}/refunds`, {})).body.failureCode).toBe(
      'charge_not_captured',
    );
    const refundPage = await api('GET', `${refunds}?limit=1`);
    expect(refundPage.body).toMatchObject({
      data: [{ id: refund.body.id }],
      hasMore: true,
      nextCursor: refund.body.id,
    });
    const nextRefunds = await api('GET', `${refunds}?startingAfter=${refund.body.id}`);
    expect(nextRefunds.body).toMatchObject({ data: [{ id: rest.body.id }], hasMore: false, nextCursor: null });
    expect((await api('GET', `${refunds}/${refund.body.id}`)).body).toMatchObject({
      id: refund.body.id,
      ...partialRefund,
    });
    expect((await api('GET', `/v1/refunds/${rest.body.id}`)).body).toMatchObject({ id: rest.body.id, amount: 700 });
    const hour = 3_600_000;
    const around = (from: number, to: number) =>
      `createdFrom=${new Date(stack.clock.now().getTime() + from).toISOString()}` +
      `&createdTo=${new Date(stack.clock.now().getTime() + to).toISOString()}`;
    const ofCharge = `/v1/refunds?paymentChargeId=${automatic.body.id}`;
    const finance = await api('GET', `${ofCharge}&${around(-hour, hour)}`);
    expect(finance.body.data.map((r: { id: string }) => r.id)).toEqual([rest.body.id, refund.body.id]);
    expect(
      (await api('GET', `${ofCharge}&status=REFUND_PENDING`)).body.data.map((r: { id: string }) => r.id),
    ).toContain(rest.body.id);
    expect((await api('GET', `${ofCharge}&${around(-2 * hour, -hour)}`)).body.data).toEqual([]);
    const financePage = await api('GET', `${ofCharge}&limit=1`);
    expect(financePage.body).toMatchObject({ data: [{ id: rest.body.id }], hasMore: true, nextCursor: rest.body.id });
    expect((await api('GET', `/v1/refunds?createdFrom=2026-03-01`)).body).toMatchObject({
      status: 400,
      field: 'createdFrom',
    });

    // Sandbox chargebacks on the manual charge (1000 captured): raised, too much, lost (it keeps its amount from
    // refunds), not won afterwards; none on a voided or a fully refunded charge.
    const chargebacks = `/v1/payment-charges/${manual.id}/chargebacks`;
    const chargebackKey = { 'Request-Idempotency-Key': 'cb-1' };
    const dispute = { amount: 400, reason: 'product not received' };
    const chargeback = await api('POST', chargebacks, dispute, chargebackKey);
    expect(chargeback).toMatchObject({
      status: 201,
      body: { id: expect.stringMatching(/^cb_/), paymentChargeId: manual.id, amount: 400, status: 'OPEN' },
    });
    expect((await api('POST', chargebacks, dispute, chargebackKey)).body.id).toBe(chargeback.body.id);
    expect((await api('POST', chargebacks, { amount: 601, reason: 'fraud' })).body).toMatchObject({
      failureCode: 'amount_exceeds_refundable',
      refundableAmount: 600,
    });
    const resolution = `${chargebacks}/${chargeback.body.id}/resolutions`;
    expect(await api('POST', resolution, { outcome: 'LOST' })).toMatchObject({
      status: 200,
      body: { id: chargeback.body.id, status: 'LOST' },
    });
    expect((await api('POST', resolution, { outcome: 'WON' })).body.failureCode).toBe('chargeback_already_resolved');
    expect((await api('POST', `/v1/payment-charges/${manual.id}/refunds`, { amount: 601 })).body).toMatchObject({
      failureCode: 'amount_exceeds_refundable',
      refundableAmount: 600,
    });
    const voidedDispute = await api('POST', `/v1/payment-charges/${voidable.id}/chargebacks`, dispute);
    expect(voidedDispute.body.failureCode).toBe('charge_not_captured');
    const refundedDispute = await api('POST', `/v1/payment-charges/${automatic.body.id}/chargebacks`, dispute);
    expect(refundedDispute.body.failureCode).toBe('amount_exceeds_refundable');

    // Lists, walked with nextCursor.
    const page = await api('GET', '/v1/payment-charges?limit=1');
    expect(page.body.hasMore).toBe(true);
    expect((await api('GET', `/v1/payment-charges?limit=1&startingAfter=${page.body.nextCursor}`)).status).toBe(200);

    // Agreements: seed 001's, approved, charged, advanced on its test clock, revoked, then refused.
    const agreement = (
      await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT, { 'Request-Idempotency-Key': 'a-1' })
    ).body;
    const otherBody = { ...SEED_001_AGREEMENT, description: 'another' };
    const keyReused = await api('POST', '/v1/payment-agreements', otherBody, { 'Request-Idempotency-Key': 'a-1' });
    expect(keyReused.body.failureCode).toBe('idempotency_key_reused');
    await approveAgreement(agreement);
    expect((await api('GET', `/v1/payment-agreements/${agreement.id}`)).body.status).toBe('ACTIVE');
    expect((await api('GET', '/v1/payment-agreements?limit=5')).status).toBe(200);
    const charged = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {
      amount: { value: 8000, currency: 'USD' },
    });
    expect(charged.body.status).toBe('CAPTURED');
    const noSchedule = await api('POST', `/v1/payment-agreements/${agreement.id}/test-clock/advances`, { seconds: 60 });
    expect(noSchedule.body.failureCode).toBe('billing_schedule_not_found');
    const scheduled = (
      await api('POST', '/v1/payment-agreements', {
        ...SEED_001_AGREEMENT,
        initialPaymentCharge: undefined,
        startDate: stack.clock.now().toISOString(),
        frequency: { type: 'MONTHLY', interval: 1 },
        amount: { value: 1500, currency: 'USD' },
        amountType: 'EXACT',
      })
    ).body;
    await approveAgreement(scheduled);
    // The scheduler starts the schedule from the agreement's events (Kafka): until then the advance is a 404.
    const advance = `/v1/payment-agreements/${scheduled.id}/test-clock/advances`;
    await waitFor(
      'the billing schedule',
      async () => (await api('POST', advance, { seconds: 2678400 })).status === 201,
    );
    const clockKey = { 'Request-Idempotency-Key': 'clock-1' };
    expect((await api('POST', advance, { seconds: 60 }, clockKey)).status).toBe(201);
    expect((await api('POST', advance, { seconds: 60 }, clockKey)).headers.get('request-idempotency')).toBe('true');
    expect((await api('POST', advance, { seconds: 120 }, clockKey)).body.failureCode).toBe('idempotency_key_reused');
    expect((await api('POST', `/v1/payment-agreements/${agreement.id}/revocations`, {})).body.status).toBe('REVOKED');
    const afterRevoke = await api('POST', `/v1/payment-agreements/${agreement.id}/payment-charges`, {});
    expect(afterRevoke.status).toBe(409);
    expect((await api('POST', `/v1/payment-agreements/${agreement.id}/revocations`, {})).status).toBe(409);

    // Webhook endpoints: created (secret once), listed, read, changed, a test event sent (the receiver is not up:
    // the attempt fails and says so), the secret rotated, deleted; a URL into a private network refused.
    const endpoints = '/v1/webhook-endpoints';
    const created = await api('POST', endpoints, {
      url: 'http://127.0.0.1:9/hooks',
      eventTypes: ['PAYMENT_CHARGE_FAILED'],
    });
    expect(created).toMatchObject({
      status: 201,
      body: { secret: expect.stringMatching(/^whsec_/), status: 'ENABLED' },
    });
    const endpoint = `${endpoints}/${created.body.webhookEndpointId}`;
    expect((await api('POST', endpoints, { url: 'http://169.254.169.254/' })).body.failureCode).toBe(
      'webhooks_url_not_allowed',
    );
    expect((await api('GET', `${endpoints}?limit=1`)).body).toMatchObject({
      data: [{ url: 'http://127.0.0.1:9/hooks' }],
    });
    expect((await api('GET', endpoint)).body.secret).toBeUndefined();
    expect((await api('PATCH', endpoint, { description: 'orders', eventTypes: null })).body).toMatchObject({
      description: 'orders',
      eventTypes: null,
    });
    expect((await api('PATCH', endpoint, { url: 'https://10.1.2.3/' })).body.failureCode).toBe(
      'webhooks_url_not_allowed',
    );
    expect((await api('POST', `${endpoint}/test-events`, {})).body).toMatchObject({
      succeeded: false,
      responseStatus: null,
    });
    expect((await api('POST', `${endpoint}/secret-rotations`, {})).body.secret).not.toBe(created.body.secret);
    expect((await api('DELETE', endpoint)).status).toBe(200);
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      expect((await api(method, endpoint, method === 'PATCH' ? {} : undefined)).status).toBe(404);
    }
    for (const action of ['test-events', 'secret-rotations']) {
      expect((await api('POST', `${endpoint}/${action}`, {})).status).toBe(404);
    }
    // A key reused with another body (409) on each of its POSTs.
    const second = await api('POST', endpoints, { url: 'http://127.0.0.1:9/b' }, { 'Request-Idempotency-Key': 'we-1' });
    const reusedOn = async (path: string, body: object) =>
      (await api('POST', path, body, { 'Request-Idempotency-Key': 'we-1' })).body.failureCode;
    expect(await reusedOn(endpoints, { url: 'http://127.0.0.1:9/c' })).toBe('idempotency_key_reused');
    const secondEndpoint = `${endpoints}/${second.body.webhookEndpointId}`;
    for (const action of ['test-events', 'secret-rotations']) {
      const key = { 'Request-Idempotency-Key': `we-${action}` };
      await api('POST', `${secondEndpoint}/${action}`, {}, key);
      const reusedKey = await api('POST', `${secondEndpoint}/${action}`, { again: true }, key);
      expect(reusedKey.body.failureCode).toBe('idempotency_key_reused');
    }

    // The merchant's event log (the projection of the log: wait for the automatic charge's events), an event's
    // deliveries, a redelivery, and an endpoint's bulk redelivery; unknown ids are 404, reused keys 409.
    let events: { id: string; subject: string }[] = [];
    await waitFor('the event log', async () => {
      events = (await api('GET', `/v1/events?objectId=${automatic.body.id}&limit=100`)).body.data ?? [];
      return events.length > 0;
    });
    const eventPath = `/v1/events/${events[0].id}`;
    expect((await api('GET', `/v1/events?limit=1`)).body).toMatchObject({ hasMore: true });
    expect((await api('GET', eventPath)).body).toMatchObject({ id: events[0].id, specversion: '1.0' });
    expect((await api('GET', `${eventPath}/deliveries`)).status).toBe(200);
    const missingEvent = '/v1/events/evt_00000000000000000000000000000000';
    for (const path of [missingEvent, `${missingEvent}/deliveries`]) expect((await api('GET', path)).status).toBe(404);
    expect((await api('POST', `${missingEvent}/redeliveries`, {})).status).toBe(404);
    const redeliveryKey = { 'Request-Idempotency-Key': 'ev-1' };
    expect((await api('POST', `${eventPath}/redeliveries`, {}, redeliveryKey)).status).toBe(201);
    expect((await api('POST', `${eventPath}/redeliveries`, { again: true }, redeliveryKey)).body.failureCode).toBe(
      'idempotency_key_reused',
    );
    const range = { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' };
    const bulk = `${secondEndpoint}/redeliveries`;
    const bulkKey = { 'Request-Idempotency-Key': 'ev-bulk-1' };
    expect((await api('POST', bulk, range, bulkKey)).status).toBe(201);
    expect((await api('POST', bulk, { ...range, from: '2001-01-01T00:00:00Z' }, bulkKey)).body.failureCode).toBe(
      'idempotency_key_reused',
    );
    expect((await api('POST', bulk, { from: range.to, to: range.from })).status).toBe(400);
    expect((await api('POST', `${endpoint}/redeliveries`, range)).status).toBe(404);

    // The default signing secret (webhooksUrl deliveries): rotated, and a key reused with another body.
    const rotations = '/v1/webhook-signing-secret/rotations';
    expect((await api('POST', rotations, {}, { 'Request-Idempotency-Key': 'wss-1' })).body.secret).toMatch(/^whsec_/);
    expect(
      (await api('POST', rotations, { again: true }, { 'Request-Idempotency-Key': 'wss-1' })).body.failureCode,
    ).toBe('idempotency_key_reused');

    // The provider's notifications (no API key: the provider's signature): taken, a copy answered as a duplicate,
    // malformed (400), unsigned (401), forged (403).
    const notifications = '/v1/provider-notifications/amazon-pay';
    const ipn = amazonPayNotificationBody(
      {
        MerchantID: (await stack.merchant('Notified Books')).merchant.id,
        ObjectType: 'REFUND',
        ObjectId: 'sandbox-refund-unknown',
        ChargePermissionId: automatic.body.id,
        NotificationType: 'STATE_CHANGE',
        NotificationId: 'ipn-contract-1',
        NotificationVersion: 'V1',
      },
      new Date(),
    );
    const asProvider = (body: string, signature?: string) =>
      api('POST', notifications, body, {
        'content-type': 'text/plain',
        ...(signature === undefined ? {} : { [SANDBOX_NOTIFICATION_SIGNATURE_HEADER]: signature }),
      });
    const signed = (body: string) => signSandboxNotification(stack.sharedEnv.SANDBOX_SIGNING_SECRET, body);
    expect((await asProvider(ipn, signed(ipn))).body).toMatchObject({ notificationId: 'ipn-contract-1', events: [] });
    expect((await asProvider(ipn, signed(ipn))).body.duplicate).toBe(true);
    expect((await asProvider('{}', signed('{}'))).body.failureCode).toBe('invalid_provider_notification');
    expect((await asProvider(ipn)).body.failureCode).toBe('provider_notification_unsigned');
    expect((await asProvider(ipn, signed(`${ipn} `))).body.failureCode).toBe('provider_notification_forged');

    // 404s for every kind of id; ids of another merchant are the same as none.
    const missingCharge = 'charge_00000000000000000000000000000000';
    const missingAgreement = 'agr_00000000000000000000000000000000';
    for (const path of [
      `/v1/payment-charges/${missingCharge}`,
      `/v1/payment-charges/${missingCharge}/captures`,
      `/v1/payment-charges/${manual.id}/captures/cap_00000000000000000000000000000000`,
      `/v1/payment-charges/${missingCharge}/voids`,
      `/v1/payment-charges/${voidable.id}/voids/void_00000000000000000000000000000000`,
      `/v1/payment-agreements/${missingAgreement}`,
      `/v1/payment-charges/${missingCharge}/refunds`,
      `/v1/payment-charges/${automatic.body.id}/refunds/refund_00000000000000000000000000000000`,
      `/v1/payment-charges/${manual.id}/refunds/${refund.body.id}`,
      `/v1/refunds/refund_00000000000000000000000000000000`,
      `/v1/refunds/not-a-refund-id`,
    ]) {
      expect([path, (await api('GET', path)).status]).toEqual([path, 404]);
    }
    const otherMerchant = apiClient(stack.baseUrl, (await stack.merchant('Other Books')).apiKey);
    expect((await otherMerchant('GET', `/v1/refunds/${refund.body.id}`)).status).toBe(404);
    expect((await otherMerchant('GET', refunds)).status).toBe(404);
    expect((await otherMerchant('POST', refunds, {})).status).toBe(404);
    for (const path of [
      `/v1/payment-charges/${missingCharge}/captures`,
      `/v1/payment-charges/${missingCharge}/voids`,
      `/v1/payment-agreements/${missingAgreement}/revocations`,
      `/v1/payment-agreements/${missingAgreement}/payment-charges`,
      `/v1/payment-agreements/${missingAgreement}/test-clock/advances`,
      `/v1/payment-charges/${missingCharge}/refunds`,
      `/v1/payment-charges/${missingCharge}/chargebacks`,
      `${chargebacks}/cb_00000000000000000000000000000000/resolutions`,
    ]) {
      const body = path.endsWith('advances')
        ? { seconds: 60 }
        : path.endsWith('chargebacks')
          ? dispute
          : path.endsWith('resolutions')
            ? { outcome: 'WON' }
            : {};
      expect([path, (await api('POST', path, body)).status]).toEqual([path, 404]);
    }

    // The ledger: balances now and at an instant, entries of a charge, paged.
    const balances = await api('GET', '/v1/balances');
    expect(balances.body.balances.length).toBeGreaterThan(0);
    expect((await api('GET', '/v1/balances?asOf=2026-01-01T00:00:00Z')).status).toBe(200);
    const entries = await api('GET', `/v1/ledger-entries?limit=1&paymentChargeId=${automatic.body.id}`);
    expect(entries.body).toMatchObject({ hasMore: true });
    const nextEntries = `/v1/ledger-entries?limit=1&paymentChargeId=${automatic.body.id}&startingAfter=${entries.body.nextCursor}`;
    expect((await api('GET', nextEntries)).body.data).toHaveLength(1);

    // 400 (body, query, idempotency key), 401, 403, 413, 415.
    const invalid = await api('POST', '/v1/payment-charges', { ...SEED_001_CHARGE, amount: { value: 1.5 }, extra: 1 });
    expect(invalid.body.errors.length).toBeGreaterThan(1);
    expect((await api('GET', '/v1/payment-charges?limit=1000')).body.failureCode).toBe('invalid_field');
    expect((await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Idempotency-Key': 'é' })).status).toBe(400);
    expect((await apiClient(stack.baseUrl, 'sk_sandbox_wrong')('GET', '/v1/payment-charges')).status).toBe(401);
    const live = apiClient(stack.baseUrl, (await stack.merchant('Live Books', 'LIVE')).apiKey);
    expect(
      (await live('POST', `/v1/payment-agreements/${scheduled.id}/test-clock/advances`, { seconds: 1 })).status,
    ).toBe(403);
    // While no live provider is connected a live key is refused before the route (`live_mode_unavailable`); the
    // chargeback routes refuse live merchants themselves too (`sandbox_only`), as the test clock does.
    expect((await live('POST', chargebacks, dispute)).status).toBe(403);
    expect((await live('POST', resolution, { outcome: 'WON' })).status).toBe(403);
    const large = { ...SEED_001_CHARGE, merchantPaymentChargeReference: 'x'.repeat(200_000) };
    expect((await api('POST', '/v1/payment-charges', large)).status).toBe(413);
    expect((await api('POST', '/v1/payment-charges', 'text', { 'content-type': 'text/plain' })).status).toBe(415);

    // 429 from a gateway with a small per-key limit; 503 while the charges service is down.
    const limited = await stack.startGateway({ GATEWAY_RATE_LIMIT_PER_KEY: '1', GATEWAY_RATE_LIMIT_KEY_BURST: '2' });
    try {
      const limitedApi = apiClient(limited.baseUrl, apiKey);
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await limitedApi('GET', '/v1/payment-charges')).status);
      expect(statuses).toContain(429);
      for (const [operation, seen] of (await apiContractOf(limited.baseUrl)).seen) {
        for (const status of seen) contract.record(operation, status);
      }
    } finally {
      await limited.app.close();
    }
    await stack.charges.close();
    try {
      const down = await api('GET', `/v1/payment-charges/${manual.id}`);
      expect(down).toMatchObject({ status: 503, body: { failureCode: 'service_unavailable' } });
    } finally {
      await stack.startCharges();
    }

    // Every operation answered with its success, and with every error status of its own.
    const missing: string[] = [];
    for (const operationId of contract.operationIds) {
      const seen = contract.seen.get(operationId) ?? new Set<number>();
      for (const status of contract.documentedStatuses(operationId)) {
        const ownError = [404, 409].includes(status);
        if ((status < 300 || ownError) && !seen.has(status)) missing.push(`${operationId} ${status}`);
      }
    }
    expect(missing).toEqual([]);
    const everywhere = new Set([...contract.seen.values()].flatMap((s) => [...s]));
    for (const status of [400, 401, 403, 413, 415, 503])
      expect([status, everywhere.has(status)]).toEqual([status, true]);
  });
});

describe('the reference page', () => {
  it('renders every operation at /docs in a real browser, from files the gateway serves itself', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (request) => failed.push(request.url()));
      page.on('response', (response) => {
        if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
      });
      await page.goto(`${stack.baseUrl}/docs`);
      await page.waitForSelector('.opblock', { timeout: 30_000 });
      const operations = await page.locator('.opblock').count();
      expect(operations).toBe(contract.operationIds.length);
      expect(await page.locator('.info .title').innerText()).toContain('payment-ledger API');
      expect(failed).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('a client generated from the document', () => {
  it('compiles a merchant program under tsc --strict with no casts, and the program runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'merchant-client-'));
    try {
      mkdirSync(join(dir, 'src'));
      symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(contract.document));
      copyFileSync(join(ROOT, 'test/contract/merchant-program.ts'), join(dir, 'src/merchant-program.ts'));
      // No casts: the generated types must be right as they are.
      expect(readFileSync(join(dir, 'src/merchant-program.ts'), 'utf8')).not.toMatch(/\bas (?!const\b)\w|<\w+>\s*\w/);
      await run(process.execPath, [
        join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
        join(dir, 'openapi.json'),
        '--output',
        join(dir, 'src/api.d.ts'),
      ]);
      await run(process.execPath, [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        '--strict',
        '--module',
        'node16',
        '--moduleResolution',
        'node16',
        '--target',
        'es2022',
        '--skipLibCheck',
        '--outDir',
        join(dir, 'out'),
        join(dir, 'src/merchant-program.ts'),
      ]).catch((error: { stdout?: string }) => {
        throw new Error(`the merchant program does not compile against the generated client:\n${error.stdout}`);
      });
      const program = (await import(join(dir, 'out/merchant-program.js'))) as MerchantProgram;
      const merchantKey = (await stack.merchant('Generated Client Shop')).apiKey;
      const result = await program.runMerchantProgram(stack.baseUrl, merchantKey, async (agreement) => {
        await approveAgreement(agreement);
      });
      expect(result.charge).toMatchObject({
        status: 'AUTHENTICATION_PENDING',
        amount: { value: 1000, currency: 'USD' },
      });
      expect(result.listed).toContain(result.charge.id);
      expect(result.agreementCharge).toMatchObject({ status: 'CAPTURED', agreementId: result.agreement.id });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
