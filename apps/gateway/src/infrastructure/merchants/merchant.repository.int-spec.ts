import type { INestApplicationContext } from '@nestjs/common';
import { dataLayerContext } from '../../../../../test/support/data-layer';
import { TestDatabase } from '../../../../../test/support/test-database';
import { GATEWAY_ENTITIES } from '../gateway-entities';
import { hashApiKey } from './api-key';
import { createMerchant, MerchantRepository } from './merchant.repository';

/** Merchants and API keys through their TypeORM repositories, against the migrated schema in PostgreSQL. */
describe('MerchantRepository (TypeORM, PostgreSQL)', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let merchants: MerchantRepository;

  beforeAll(async () => {
    db = await TestDatabase.create({ poolSize: 2 });
    app = await dataLayerContext(db, GATEWAY_ENTITIES, [MerchantRepository]);
    merchants = app.get(MerchantRepository);
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('creates a merchant with one key, stores only the key digest, and finds the merchant by the key', async () => {
    const { merchant, apiKey } = await merchants.create('Acme', 'SANDBOX');
    expect(merchant).toEqual({ id: expect.stringMatching(/^mch_/), name: 'Acme', mode: 'SANDBOX' });
    expect(apiKey).toMatch(/^sk_sandbox_/);
    expect(await merchants.findByApiKey(apiKey)).toEqual(merchant);

    const { rows } = await db.pool.query(
      'SELECT k.key_hash, k.key_prefix, k.created_at, m.created_at AS merchant_created_at FROM api_keys k JOIN merchants m USING (merchant_id) WHERE merchant_id = $1',
      [merchant.id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toEqual(hashApiKey(apiKey));
    expect(rows[0].key_prefix).toBe(apiKey.slice(0, 16));
    expect(rows[0].created_at).toBeInstanceOf(Date);
    expect(rows[0].merchant_created_at).toBeInstanceOf(Date);
  });

  it('finds nothing for an unknown key, or a revoked one', async () => {
    const { apiKey, merchant } = await merchants.create('Revoked Ltd', 'SANDBOX');
    expect(await merchants.findByApiKey('sk_sandbox_unknown')).toBeUndefined();
    const { rows } = await db.pool.query('SELECT api_key_id FROM api_keys WHERE merchant_id = $1', [merchant.id]);
    expect(await merchants.revokeApiKey(rows[0].api_key_id, new Date())).toBe(true);
    expect(await merchants.revokeApiKey(rows[0].api_key_id, new Date())).toBe(false);
    expect(await merchants.findByApiKey(apiKey)).toBeUndefined();
  });

  it('refuses a live merchant while no live payment provider exists', async () => {
    const before = Number((await db.pool.query('SELECT count(*) AS n FROM merchants')).rows[0].n);
    await expect(merchants.create('Live Ltd', 'LIVE')).rejects.toThrow(/no live payment provider/);
    expect(Number((await db.pool.query('SELECT count(*) AS n FROM merchants')).rows[0].n)).toBe(before);
  });

  it('creates nothing when the key cannot be stored (one transaction)', async () => {
    const before = (await db.pool.query('SELECT count(*)::int AS n FROM merchants')).rows[0].n;
    await db.pool.query('ALTER TABLE api_keys ADD CONSTRAINT test_refuse CHECK (false) NOT VALID');
    try {
      await expect(merchants.create('Half Made', 'SANDBOX')).rejects.toThrow(/test_refuse/);
    } finally {
      await db.pool.query('ALTER TABLE api_keys DROP CONSTRAINT test_refuse');
    }
    expect((await db.pool.query('SELECT count(*)::int AS n FROM merchants')).rows[0].n).toBe(before);
  });

  it('creates merchants for tools given a pg Pool (a one-connection DataSource for the call)', async () => {
    const { merchant, apiKey } = await createMerchant(db.pool, 'Tooling', 'SANDBOX');
    expect(await merchants.findByApiKey(apiKey)).toEqual(merchant);
  });
});
