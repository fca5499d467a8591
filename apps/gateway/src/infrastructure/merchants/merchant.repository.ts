import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { type MerchantContext, newId } from '@payment-ledger/contracts';
import { PG_POOL } from '@payment-ledger/platform';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './api-key';

/** Merchants and their API keys (the gateway's own tables). */
@Injectable()
export class MerchantRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Creates a merchant with one API key; the key is returned here and never again. */
  async create(name: string, mode: 'SANDBOX' | 'LIVE'): Promise<{ merchant: MerchantContext; apiKey: string }> {
    return createMerchant(this.pool, name, mode);
  }

  async findByApiKey(key: string): Promise<MerchantContext | undefined> {
    const { rows } = await this.pool.query<{ merchant_id: string; name: string; mode: 'SANDBOX' | 'LIVE' }>(
      `SELECT m.merchant_id, m.name, m.mode FROM api_keys k JOIN merchants m USING (merchant_id)
        WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [hashApiKey(key)],
    );
    const row = rows[0];
    return row && { id: row.merchant_id, name: row.name, mode: row.mode };
  }
}

export async function createMerchant(
  pool: Pool,
  name: string,
  mode: 'SANDBOX' | 'LIVE',
): Promise<{ merchant: MerchantContext; apiKey: string }> {
  const merchant: MerchantContext = { id: newId('merchant'), name, mode };
  const apiKey = generateApiKey(mode);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO merchants (merchant_id, name, mode) VALUES ($1, $2, $3)', [
      merchant.id,
      name,
      mode,
    ]);
    await client.query('INSERT INTO api_keys (api_key_id, merchant_id, key_hash, key_prefix) VALUES ($1, $2, $3, $4)', [
      newId('event').replace('evt_', 'key_'),
      merchant.id,
      hashApiKey(apiKey),
      apiKeyPrefix(apiKey),
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  return { merchant, apiKey };
}
