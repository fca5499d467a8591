/**
 * Hosted-page links expire (issue 15, point 7): the running sandbox page, on the real charges and agreements
 * services, opens a link until SANDBOX_LINK_TTL_MS after it was made and refuses it from then on with a 410 and
 * `hosted_page_link_expired`; a tampered link, an old one without an expiry and another merchant's are refused with
 * a 404 and `hosted_page_link_invalid`. Time moves through the stack's injected clock, not by sleeping.
 */
import { createHmac } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@payment-ledger/platform';
import { createSandboxApp } from '../../apps/sandbox/src/sandbox.app';
import { sandboxConfigSchema } from '../../apps/sandbox/src/sandbox.config';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { TEST_SANDBOX_SIGNING_SECRET } from '../support/rpc-secrets';
import { TestDatabase } from '../support/test-database';

const MINUTE = 60_000;
const TTL_MS = 30 * MINUTE;

let db: TestDatabase;
let stack: PaymentStack;
let sandbox: NestExpressApplication;
let sandboxUrl = '';
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, { env: { SANDBOX_LINK_TTL_MS: String(TTL_MS) } }).start();
  api = apiClient(stack.baseUrl, (await stack.merchant('Acme Books')).apiKey);
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
  await sandbox?.close();
  await stack?.stop();
  await db?.drop();
});

type Redirectable = { id: string; authenticationMethods: { details: { requestUrl: string } }[] };

/** The link's path and query on this test's sandbox page (the API answers it under SANDBOX_PUBLIC_URL). */
function pageOf(object: Redirectable): { path: string; token: string } {
  const url = new URL(object.authenticationMethods[0].details.requestUrl);
  return { path: url.pathname, token: url.searchParams.get('token') ?? '' };
}

async function open(path: string, token: string, accept = 'text/html') {
  const response = await fetch(`${sandboxUrl}${path}?token=${encodeURIComponent(token)}`, { headers: { accept } });
  return { status: response.status, failureCode: response.headers.get('x-failure-code'), text: await response.text() };
}

async function decide(path: string, token: string, decision: 'APPROVE' | 'CANCEL') {
  const response = await fetch(`${sandboxUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, decision }).toString(),
    redirect: 'manual',
  });
  return { status: response.status, failureCode: response.headers.get('x-failure-code') };
}

async function newCharge(): Promise<Redirectable> {
  const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
  expect(created.status).toBe(201);
  return created.body;
}

describe('a charge link on the running sandbox page', () => {
  it('opens the page until its expiry, and from then on is refused with 410 hosted_page_link_expired', async () => {
    const charge = await newCharge();
    const { path, token } = pageOf(charge);
    expect((await open(path, token)).status).toBe(200);

    stack.clock.advanceBy(TTL_MS - 1_000);
    const lastSecond = await open(path, token);
    expect(lastSecond.status).toBe(200);

    stack.clock.advanceBy(1_000);
    const expired = await open(path, token);
    expect(expired).toMatchObject({ status: 410, failureCode: 'hosted_page_link_expired' });
    expect(expired.text).toContain('data-failure-code="hosted_page_link_expired"');
    expect(expired.text).not.toContain('name="decision"');

    const json = await open(path, token, 'application/json');
    expect(json.status).toBe(410);
    expect(JSON.parse(json.text)).toEqual({
      status: 410,
      failureCode: 'hosted_page_link_expired',
      failureMessage: expect.stringContaining('expired'),
    });
  });

  it('takes no decision through an expired link', async () => {
    const charge = await newCharge();
    const { path, token } = pageOf(charge);
    stack.clock.advanceBy(TTL_MS);
    expect(await decide(path, token, 'APPROVE')).toEqual({ status: 410, failureCode: 'hosted_page_link_expired' });
    const after = await api('GET', `/v1/payment-charges/${charge.id}`);
    expect(after.body.history.map((h: { status: string }) => h.status)).toEqual(['AUTHENTICATION_PENDING']);
  });

  it('takes the decision through a link within its time', async () => {
    const charge = await newCharge();
    const { path, token } = pageOf(charge);
    stack.clock.advanceBy(5 * MINUTE);
    expect((await decide(path, token, 'APPROVE')).status).toBe(303);
  });

  it('refuses a tampered link, a forged expiry and an old link without one with 404 hosted_page_link_invalid', async () => {
    const charge = await newCharge();
    const { path, token } = pageOf(charge);
    const [expires, signature] = token.split('.');
    const tampered = `${expires}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const extended = `${Number(expires) + 24 * 3600}.${signature}`;
    const old = createHmac('sha256', TEST_SANDBOX_SIGNING_SECRET).update(charge.id).digest('base64url');
    for (const forged of [tampered, extended, old, '']) {
      expect([forged, await open(path, forged)]).toEqual([
        forged,
        expect.objectContaining({ status: 404, failureCode: 'hosted_page_link_invalid' }),
      ]);
      expect(await decide(path, forged, 'APPROVE')).toEqual({ status: 404, failureCode: 'hosted_page_link_invalid' });
    }
  });

  it("refuses another charge's link, and an unknown charge, the same way", async () => {
    const [mine, other] = [await newCharge(), await newCharge()];
    const otherToken = pageOf(other).token;
    expect(await open(pageOf(mine).path, otherToken)).toMatchObject({
      status: 404,
      failureCode: 'hosted_page_link_invalid',
    });
    const unknown = pageOf(mine).path.replace(mine.id, 'charge_00000000000000000000000000000000');
    expect(await open(unknown, pageOf(mine).token)).toMatchObject({
      status: 404,
      failureCode: 'hosted_page_link_invalid',
    });
  });
});

describe('an agreement link on the running sandbox page', () => {
  it('expires the same way', async () => {
    const created = await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT);
    expect(created.status).toBe(201);
    const { path, token } = pageOf(created.body);
    expect((await open(path, token)).status).toBe(200);
    stack.clock.advanceBy(TTL_MS);
    expect(await open(path, token)).toMatchObject({ status: 410, failureCode: 'hosted_page_link_expired' });
    expect(await decide(path, token, 'APPROVE')).toEqual({ status: 410, failureCode: 'hosted_page_link_expired' });
  });
});
