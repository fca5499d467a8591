/**
 * The internal TCP transport, tried as an attacker on the same network would: raw sockets to the real charges and
 * agreements services (real PostgreSQL and Kafka). Before the RPC kit, an unsigned `charges.list` with
 * `merchantId: ""` answered every merchant's charges and `agreements.get` with `merchantId: null` answered another
 * merchant's agreement; the services buffered frames of any size. Now: unsigned, forged, replayed and stale commands
 * are refused (connection closed, logged), a signed command without its merchant is refused by the tenant guard,
 * a frame over RPC_MAX_FRAME_BYTES closes its connection before it is buffered, and a full call queue is a 503 with
 * Retry-After at the gateway.
 */
import type { INestApplication } from '@nestjs/common';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { AGREEMENTS_PATTERNS, CHARGES_PATTERNS } from '@payment-ledger/contracts';
import { loadConfig } from '@payment-ledger/platform';
import { FrameSigner, REPLAY_WINDOW_MS } from '@payment-ledger/rpc';
import { createGatewayApp } from '../../apps/gateway/src/gateway.app';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway.config';
import { apiClient, freePort, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { TEST_RPC_SIGNING_SECRET } from '../support/rpc-secrets';
import { TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

let db: TestDatabase;
let stack: PaymentStack;
let chargeOfA: { id: string };
let agreementOfA: { id: string };
let merchantB: string;
/** The charges service's JSON log lines, to check that refusals are logged (and carry no secret). */
const logLines: string[] = [];

beforeAll(async () => {
  db = await TestDatabase.create();
  stack = await new PaymentStack(db, undefined, {
    logSinks: { charges: { write: (line) => void logLines.push(line) } },
  }).start();
  const a = await stack.merchant('Merchant A');
  const b = await stack.merchant('Merchant B');
  merchantB = b.merchant.id;
  const apiA = apiClient(stack.baseUrl, a.apiKey);
  const apiB = apiClient(stack.baseUrl, b.apiKey);
  chargeOfA = (await apiA('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': 'a-1' })).body;
  expect(
    (await apiB('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': 'b-1' })).status,
  ).toBe(201);
  agreementOfA = (
    await apiA('POST', '/v1/payment-agreements', SEED_001_AGREEMENT, { 'Request-Idempotency-Key': 'a-2' })
  ).body;
  expect(agreementOfA.id).toMatch(/^agr_/);
});
afterAll(async () => {
  await stack?.stop();
  await db?.drop();
});

type Outcome = { closed: boolean; answer?: { err?: { failureCode?: string }; response?: unknown } };

/** Sends raw bytes to a service port and waits for the first answer frame, the connection's close, or 3 s. */
function rawExchange(port: number, ...chunks: Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ closed: false }), 3_000);
    socket.on('error', () => undefined);
    socket.on('close', () => done({ closed: true }));
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      const hash = received.indexOf('#');
      const length = Number(received.toString('latin1', 0, hash));
      if (hash > 0 && received.length >= hash + 1 + length) {
        done({ closed: false, answer: JSON.parse(received.toString('utf8', hash + 1, hash + 1 + length)) });
      }
    });
    socket.on('connect', () => chunks.forEach((chunk) => socket.write(chunk)));
  });
}

let packetId = 0;
const packet = (pattern: string, data: object) => JSON.stringify({ pattern, data, id: `attack-${++packetId}` });

/** A frame as Nest's own JsonSocket sends it: `<length>#<json>`, no signature. */
function unsignedFrame(json: string): Buffer {
  return Buffer.from(`${json.length}#${json}`);
}

function signedFrame(json: string, signer = new FrameSigner(TEST_RPC_SIGNING_SECRET)): Buffer {
  const { header, body } = signer.sign(json);
  return Buffer.concat([Buffer.from(`${header.length + body.length}#${header}`), body]);
}

const refusals = (reason: string) =>
  logLines.filter((line) => line.includes('"rpc.command_refused"') && line.includes(`"reason":"${reason}"`));

const listAll = () => packet(CHARGES_PATTERNS.list, { merchantId: '', limit: 100, correlationId: 'attack' });
const agreementOfAForNobody = () =>
  packet(AGREEMENTS_PATTERNS.get, { merchantId: null, agreementId: agreementOfA.id, correlationId: 'attack' });

describe('attacks on the internal transport', () => {
  it('an unsigned charges.list with merchantId "" gets nothing: the connection is closed and the refusal logged', async () => {
    const outcome = await rawExchange(stack.ports.charges, unsignedFrame(listAll()));
    expect(outcome).toEqual({ closed: true });
    expect(refusals('unsigned').length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(TEST_RPC_SIGNING_SECRET);
  });

  it('an unsigned agreements.get with merchantId null gets nothing', async () => {
    expect(await rawExchange(stack.ports.agreements, unsignedFrame(agreementOfAForNobody()))).toEqual({ closed: true });
  });

  it('even signed (a caller holding the secret), a command without its merchant is refused by the tenant guard', async () => {
    const list = await rawExchange(stack.ports.charges, signedFrame(listAll()));
    expect(list.answer?.err).toMatchObject({ kind: 'invalid', failureCode: 'merchant_required' });
    expect(list.answer?.response).toBeUndefined();
    const get = await rawExchange(stack.ports.agreements, signedFrame(agreementOfAForNobody()));
    expect(get.answer?.err).toMatchObject({ failureCode: 'merchant_required' });
    // Each message of a coalesced batch must name its merchant too.
    const many = packet(CHARGES_PATTERNS.createMany, { messages: [{ merchant: { id: '' }, chargeId: 'charge_x' }] });
    expect((await rawExchange(stack.ports.charges, signedFrame(many))).answer?.err).toMatchObject({
      failureCode: 'merchant_required',
    });
    // And another merchant's agreement does not exist for it.
    const asB = packet(AGREEMENTS_PATTERNS.get, {
      merchantId: merchantB,
      agreementId: agreementOfA.id,
      correlationId: 'x',
    });
    expect((await rawExchange(stack.ports.agreements, signedFrame(asB))).answer?.err).toMatchObject({
      kind: 'not_found',
    });
  });

  it('a signed command for its merchant is answered with that merchant’s objects only', async () => {
    const list = packet(CHARGES_PATTERNS.list, { merchantId: merchantB, limit: 10, correlationId: 'x' });
    let page: { data: { id: string }[] } | undefined;
    // The list view follows the log (a raw command does not wait for it as the gateway's lists do).
    await waitFor('merchant B’s charge in the list view', async () => {
      const { answer } = await rawExchange(stack.ports.charges, signedFrame(list));
      page = answer?.response as { data: { id: string }[] };
      return page?.data?.length > 0;
    });
    expect(page!.data).toHaveLength(1);
    expect(page!.data[0].id).not.toBe(chargeOfA.id);
  });

  it('a command signed with another secret is refused as forged', async () => {
    const forger = new FrameSigner('f'.repeat(32));
    expect(await rawExchange(stack.ports.charges, signedFrame(listAll(), forger))).toEqual({ closed: true });
    expect(refusals('forged').length).toBeGreaterThan(0);
  });

  it('a command replayed (same frame, same message id) is refused, the first one answered', async () => {
    const list = signedFrame(packet(CHARGES_PATTERNS.list, { merchantId: merchantB, limit: 1, correlationId: 'x' }));
    expect((await rawExchange(stack.ports.charges, list)).answer?.response).toBeDefined();
    expect(await rawExchange(stack.ports.charges, list)).toEqual({ closed: true });
    expect(refusals('replayed').length).toBeGreaterThan(0);
  });

  it('a command older than 30 s is refused as stale', async () => {
    const old = new FrameSigner(TEST_RPC_SIGNING_SECRET, () => Date.now() - REPLAY_WINDOW_MS - 1_000);
    const list = packet(CHARGES_PATTERNS.list, { merchantId: merchantB, limit: 1, correlationId: 'x' });
    expect(await rawExchange(stack.ports.charges, signedFrame(list, old))).toEqual({ closed: true });
    expect(refusals('stale').length).toBeGreaterThan(0);
  });

  it('a 5 MB frame closes its connection before it is buffered; memory stays flat; others are still served', async () => {
    const megabyte = Buffer.alloc(1_048_576, 0x61);
    const heapBefore = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 10; i++) {
      const outcome = await rawExchange(
        stack.ports.charges,
        Buffer.from(`${5 * 1_048_576}#`),
        ...Array(5).fill(megabyte),
      );
      expect(outcome).toEqual({ closed: true });
    }
    const heapAfter = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    // Ten 5 MB frames buffered would be 50 MB (100 MB as JS strings) in this process, where the service runs.
    expect(heapAfter - heapBefore).toBeLessThan(30 * 1_048_576);
    expect(logLines.some((line) => line.includes('"rpc.frame_too_large"'))).toBe(true);
    const list = packet(CHARGES_PATTERNS.list, { merchantId: merchantB, limit: 1, correlationId: 'x' });
    expect((await rawExchange(stack.ports.charges, signedFrame(list))).answer?.response).toBeDefined();
  });
});

describe('a full call queue at the gateway', () => {
  let blackHole: Server;
  let gateway: INestApplication;
  const held: Socket[] = [];

  afterAll(async () => {
    held.forEach((s) => s.destroy());
    await gateway?.close();
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  it('answers 503 with Retry-After once RPC_QUEUE_MAX creates wait for a charges service that does not answer', async () => {
    // A "charges service" that accepts connections and never answers: every create stays in flight or queued.
    blackHole = createServer((socket) => {
      held.push(socket);
      socket.on('data', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => blackHole.listen(port, '127.0.0.1', resolve));
    const config = loadConfig(gatewayConfigSchema, {
      ...stack.sharedEnv,
      CHARGES_TCP_PORT: String(port),
      AGREEMENTS_TCP_PORT: String(stack.ports.agreements),
      SCHEDULER_TCP_PORT: String(stack.ports.scheduler),
      RPC_QUEUE_MAX: '2',
      SERVICE_CALL_TIMEOUT_MS: '5000',
    });
    gateway = await createGatewayApp(config, { clock: stack.clock });
    await gateway.listen(0, '127.0.0.1');
    const api = apiClient(
      (await gateway.getUrl()).replace('[::1]', '127.0.0.1'),
      (await stack.merchant('Busy Co')).apiKey,
    );
    // Two batches in flight (maxInFlight 2), two creates waiting: the queue is full.
    const pending = Array.from({ length: 4 }, (_, i) =>
      api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': `busy-${i}` }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const refused = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': 'busy-x' });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ status: 503, failureCode: 'service_overloaded' });
    expect(refused.headers.get('retry-after')).toBe('1');
    // The ones that waited end as 503 service_unavailable when the call times out; none hangs.
    const ended = await Promise.all(pending);
    expect(ended.map((r) => r.status)).toEqual([503, 503, 503, 503]);
  });
});
