import type { INestApplicationContext } from '@nestjs/common';
import { dataLayerContext } from '../../../../../test/support/data-layer';
import { TestDatabase } from '../../../../../test/support/test-database';
import { GATEWAY_ENTITIES } from '../gateway-entities';
import { Client } from 'pg';
import { apiKeyPrefix, hashApiKey } from '../../application/api-keys/api-key-secret';
import { API_KEY_CHANGES_CHANNEL, createMerchant, MerchantRepository } from './merchant.repository';

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
    expect(await merchants.findByApiKey(apiKey)).toEqual({ merchant, expiresAt: null, revokedAt: null });

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

  it('finds nothing for an unknown key; a revoked one with its revocation time, kept when revoked again', async () => {
    const { apiKey, merchant } = await merchants.create('Revoked Ltd', 'SANDBOX');
    expect(await merchants.findByApiKey('sk_sandbox_unknown')).toBeUndefined();
    const [key] = await merchants.list(merchant.id);
    const at = new Date('2026-03-01T12:00:00.000Z');
    expect(await merchants.revoke(key.apiKeyId, at)).toMatchObject({ apiKeyId: key.apiKeyId, revokedAt: at });
    expect(await merchants.revoke(key.apiKeyId, new Date(at.getTime() + 1000))).toMatchObject({ revokedAt: at });
    expect(await merchants.revoke('key_unknown', at)).toBeUndefined();
    expect(await merchants.findByApiKey(apiKey)).toMatchObject({ merchant, revokedAt: at });
  });

  describe('as the store of the key use cases', () => {
    let listener: Client;
    const heard: string[] = [];
    beforeAll(async () => {
      listener = new Client({ connectionString: db.url });
      await listener.connect();
      listener.on('notification', (n) => n.channel === API_KEY_CHANGES_CHANNEL && heard.push(n.payload ?? ''));
      await listener.query(`LISTEN ${API_KEY_CHANGES_CHANNEL}`);
    });
    afterAll(() => listener?.end());
    beforeEach(() => heard.splice(0));
    const heardAfterCommit = async () => {
      await listener.query('SELECT 1'); // notifications of a committed transaction arrive before this answer
      return [...heard];
    };

    it('rotates in one transaction: the new key stored, the live old ones given the expiry, announced', async () => {
      const { merchant, apiKey } = await merchants.create('Rotating', 'SANDBOX');
      const expireAt = new Date('2026-03-02T12:00:00.000Z');
      const newKey = 'sk_sandbox_rotated-key-for-the-test-only';
      const previous = await merchants.rotate(
        merchant.id,
        { apiKeyId: 'key_rotated1', keyHash: hashApiKey(newKey), keyPrefix: apiKeyPrefix(newKey) },
        expireAt,
      );
      expect(previous).toEqual([expect.objectContaining({ merchantId: merchant.id, expiresAt: expireAt })]);
      expect(await heardAfterCommit()).toEqual([hashApiKey(apiKey).toString('base64')]);
      expect(await merchants.findByApiKey(apiKey)).toMatchObject({ expiresAt: expireAt, revokedAt: null });
      expect(await merchants.findByApiKey(newKey)).toMatchObject({ merchant, expiresAt: null });
      expect((await merchants.list(merchant.id)).map((k) => k.keyPrefix)).toEqual([
        apiKey.slice(0, 16),
        newKey.slice(0, 16),
      ]);
      // A later rotation with a longer overlap does not lengthen the first key's.
      heard.splice(0);
      const third = 'sk_sandbox_third-key-for-the-test-only';
      await merchants.rotate(
        merchant.id,
        { apiKeyId: 'key_rotated2', keyHash: hashApiKey(third), keyPrefix: apiKeyPrefix(third) },
        new Date('2026-03-05T12:00:00.000Z'),
      );
      expect(await merchants.findByApiKey(apiKey)).toMatchObject({ expiresAt: expireAt });
      expect(await heardAfterCommit()).toEqual([hashApiKey(newKey).toString('base64')]);
    });

    it('announces nothing when a rotation fails (the announcement is part of the transaction)', async () => {
      const { merchant } = await merchants.create('Failing', 'SANDBOX');
      const [existing] = await db.pool
        .query('SELECT key_hash FROM api_keys WHERE merchant_id = $1', [merchant.id])
        .then((r) => r.rows);
      await expect(
        merchants.rotate(
          merchant.id,
          { apiKeyId: 'key_dup', keyHash: existing.key_hash, keyPrefix: 'dup' },
          new Date(),
        ),
      ).rejects.toThrow(/duplicate key/);
      expect(await heardAfterCommit()).toEqual([]);
      expect((await merchants.list(merchant.id))[0].expiresAt).toBeNull();
    });

    it('announces a revocation', async () => {
      const { merchant, apiKey } = await merchants.create('Revoking', 'SANDBOX');
      const [key] = await merchants.list(merchant.id);
      await merchants.revoke(key.apiKeyId, new Date());
      expect(await heardAfterCommit()).toEqual([hashApiKey(apiKey).toString('base64')]);
    });

    it("answers a merchant's mode, or undefined for no such merchant", async () => {
      const { merchant } = await merchants.create('Moded', 'SANDBOX');
      expect(await merchants.merchantMode(merchant.id)).toBe('SANDBOX');
      expect(await merchants.merchantMode('mch_unknown')).toBeUndefined();
    });
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
    expect((await merchants.findByApiKey(apiKey))?.merchant).toEqual(merchant);
  });
});
