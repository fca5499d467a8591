import type { INestApplicationContext } from '@nestjs/common';
import { dataLayerContext } from '../../../../../test/support/data-layer';
import { TestDatabase } from '../../../../../test/support/test-database';
import { IDEMPOTENCY_KEY_TTL_MS } from '../../domain/idempotency';
import { GATEWAY_ENTITIES } from '../gateway-entities';
import { IdempotencyRepository } from './idempotency.repository';

/** Idempotency records (SQL on the hot path, the entity's repository elsewhere) against PostgreSQL. */
describe('IdempotencyRepository (PostgreSQL)', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let records: IdempotencyRepository;
  const t0 = new Date('2026-03-01T12:00:00.000Z');
  let n = 0;
  const newKey = () => `key-${++n}`;

  beforeAll(async () => {
    db = await TestDatabase.create({ poolSize: 2 });
    app = await dataLayerContext(db, GATEWAY_ENTITIES, [IdempotencyRepository], 4);
    records = app.get(IdempotencyRepository);
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('claims a key once; the record is in flight with its resource id and expiry', async () => {
    const key = newKey();
    expect(await records.claim('m1', key, 'hash-a', 'res-1', t0)).toBe(true);
    expect(await records.claim('m1', key, 'hash-a', 'res-2', t0)).toBe(false);
    // Keys are per merchant.
    expect(await records.claim('m2', key, 'hash-a', 'res-3', t0)).toBe(true);
    expect(await records.find('m1', key)).toEqual({
      requestHash: 'hash-a',
      state: 'in_flight',
      resourceId: 'res-1',
      lockedAt: t0,
      responseStatus: null,
      responseBody: null,
      expiresAt: new Date(t0.getTime() + IDEMPOTENCY_KEY_TTL_MS),
    });
    expect(await records.find('m1', newKey())).toBeUndefined();
  });

  it('lets exactly one of many racing claims win', async () => {
    const key = newKey();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => records.claim('m1', key, 'h', `res-${i}`, t0)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('completes a claim with the response, which a find returns', async () => {
    const key = newKey();
    await records.claim('m1', key, 'h', 'res-1', t0);
    await records.complete('m1', key, 201, { id: 'charge_1', amount: 100 });
    expect(await records.find('m1', key)).toMatchObject({
      state: 'completed',
      lockedAt: null,
      responseStatus: 201,
      responseBody: { id: 'charge_1', amount: 100 },
    });
  });

  it('claims over an expired record, starting afresh', async () => {
    const key = newKey();
    await records.claim('m1', key, 'h', 'res-1', t0);
    await records.complete('m1', key, 201, { id: 'old' });
    const later = new Date(t0.getTime() + IDEMPOTENCY_KEY_TTL_MS);
    expect(await records.claim('m1', key, 'h2', 'res-2', later)).toBe(true);
    expect(await records.find('m1', key)).toMatchObject({
      requestHash: 'h2',
      state: 'in_flight',
      resourceId: 'res-2',
      responseStatus: null,
      responseBody: null,
    });
  });

  it('takes over an abandoned claim once, matching the lock it saw (or none)', async () => {
    const key = newKey();
    await records.claim('m1', key, 'h', 'res-1', t0);
    const t1 = new Date(t0.getTime() + 120_000);
    const [a, b] = await Promise.all([records.takeOver('m1', key, t0, t1), records.takeOver('m1', key, t0, t1)]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await records.takeOver('m1', key, t0, t1)).toBe(false);
    expect((await records.find('m1', key))?.lockedAt).toEqual(t1);

    await records.release('m1', key);
    expect((await records.find('m1', key))?.lockedAt).toBeNull();
    expect(await records.takeOver('m1', key, null, t1)).toBe(true);
    expect((await records.find('m1', key))?.resourceId).toBe('res-1');
  });

  it('does not take over or release a completed record', async () => {
    const key = newKey();
    await records.claim('m1', key, 'h', 'res-1', t0);
    await records.complete('m1', key, 200, { ok: true });
    expect(await records.takeOver('m1', key, null, t0)).toBe(false);
    await records.release('m1', key);
    expect((await records.find('m1', key))?.state).toBe('completed');
  });

  it('forgets a key, so it can be claimed again', async () => {
    const key = newKey();
    await records.claim('m1', key, 'h', 'res-1', t0);
    await records.claim('m2', key, 'h', 'res-1', t0);
    await records.forget('m1', key);
    expect(await records.find('m1', key)).toBeUndefined();
    expect(await records.find('m2', key)).toBeDefined();
    expect(await records.claim('m1', key, 'h', 'res-2', t0)).toBe(true);
  });
});
