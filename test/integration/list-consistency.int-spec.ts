/**
 * Read-your-writes for lists, through the real gateway and services: a list asked right after a create shows it,
 * because the list waits (up to GATEWAY_LIST_WAIT_MS) for its read model to include every write committed before
 * the request, rather than for the next projection poll. And what happens without the wait.
 */
import { ListChargesQuery } from '../../apps/charges/src/application/list-charges.query';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { TestDatabase } from '../support/test-database';

describe('with the default wait and the usual projection poll', () => {
  let db: TestDatabase;
  let stack: PaymentStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    db = await TestDatabase.create();
    stack = await new PaymentStack(db).start();
    api = apiClient(stack.baseUrl, (await stack.merchant('Ryw Books')).apiKey);
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('create then list, 100 times: the new charge is always at the top of the list', async () => {
    const misses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE);
      expect(created.status).toBe(201);
      const list = await api('GET', '/v1/payment-charges?limit=1');
      expect(list.status).toBe(200);
      if (list.body.data[0]?.id !== created.body.id) misses.push(i);
    }
    expect(misses).toEqual([]);
  });

  it('create then list, 20 times: the new agreement is always at the top of the list', async () => {
    const misses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const created = await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT);
      expect(created.status).toBe(201);
      const list = await api('GET', '/v1/payment-agreements?limit=1');
      expect(list.status).toBe(200);
      if (list.body.data[0]?.id !== created.body.id) misses.push(i);
    }
    expect(misses).toEqual([]);
  });
});

describe('with a projection poll far longer than a request', () => {
  let db: TestDatabase;
  let stack: PaymentStack;
  let api: ReturnType<typeof apiClient>;
  let merchantId: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    // The runners catch up at start-up and then only every 10 s; the gateway asks lists for no wait.
    stack = await new PaymentStack(db, undefined, {
      env: { PROJECTION_POLL_MS: '10000', GATEWAY_LIST_WAIT_MS: '0' },
    }).start();
    const { merchant, apiKey } = await stack.merchant('Ryw Rides');
    merchantId = merchant.id;
    api = apiClient(stack.baseUrl, apiKey);
  });
  afterAll(async () => {
    await stack?.stop();
    await db?.drop();
  });

  it('without the wait a list misses the create; with it, the list has it', async () => {
    const charge = (await api('POST', '/v1/payment-charges', SEED_001_CHARGE)).body;
    const agreement = (await api('POST', '/v1/payment-agreements', SEED_001_AGREEMENT)).body;
    expect((await api('GET', '/v1/payment-charges')).body.data.map((c: { id: string }) => c.id)).not.toContain(
      charge.id,
    );
    expect((await api('GET', '/v1/payment-agreements')).body.data.map((a: { id: string }) => a.id)).not.toContain(
      agreement.id,
    );

    // The same list asked with a wait (what the gateway sends by default): the charge is there, at the top.
    const list = stack.charges.get(ListChargesQuery);
    const waited = await list.handle({ correlationId: 'test', merchantId, limit: 1, consistencyWaitMs: 500 });
    expect(waited.data.map((c) => c.id)).toEqual([charge.id]);
    // The view itself caught up: the gateway's list (no wait) shows it from now on.
    expect((await api('GET', '/v1/payment-charges?limit=1')).body.data[0].id).toBe(charge.id);
  });

  it('through a gateway with the default wait, create then list shows every create, 100 times, with no poll', async () => {
    const waiting = await stack.startGateway({ GATEWAY_LIST_WAIT_MS: '500' });
    try {
      const { apiKey } = await stack.merchant('Ryw Books');
      const waitingApi = apiClient(waiting.baseUrl, apiKey);
      const misses: number[] = [];
      for (let i = 0; i < 100; i++) {
        const path = i % 5 === 4 ? '/v1/payment-agreements' : '/v1/payment-charges';
        const created = await waitingApi('POST', path, path.endsWith('charges') ? SEED_001_CHARGE : SEED_001_AGREEMENT);
        const listed = await waitingApi('GET', `${path}?limit=1`);
        if (listed.body.data[0]?.id !== created.body.id) misses.push(i);
      }
      expect(misses).toEqual([]);
    } finally {
      await waiting.app.close();
    }
  });
});
