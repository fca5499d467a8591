import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@payment-ledger/platform';
import { IDEMPOTENCY_KEY_TTL_MS, type IdempotencyRecord } from '../../domain/idempotency';

interface Row {
  request_hash: string;
  state: 'in_flight' | 'completed';
  resource_id: string;
  locked_at: Date | null;
  response_status: number | null;
  response_body: unknown;
  expires_at: Date;
}

/** The `idempotency_keys` table. Every change is one statement, so two racing requests cannot both claim a key. */
@Injectable()
export class IdempotencyRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Claims the key for a first attempt (or over an expired record); false when a live record exists. */
  async claim(merchantId: string, key: string, requestHash: string, resourceId: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query({
      name: 'idempotency_keys.claim',
      text: `INSERT INTO idempotency_keys AS k
         (merchant_id, idempotency_key, request_hash, state, resource_id, locked_at, created_at, expires_at)
       VALUES ($1, $2, $3, 'in_flight', $4, $5, $5, $6)
       ON CONFLICT (merchant_id, idempotency_key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in_flight', resource_id = EXCLUDED.resource_id,
             locked_at = EXCLUDED.locked_at, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
             response_status = NULL, response_body = NULL
         WHERE k.expires_at <= EXCLUDED.created_at`,
      values: [merchantId, key, requestHash, resourceId, now, new Date(now.getTime() + IDEMPOTENCY_KEY_TTL_MS)],
    });
    return rowCount === 1;
  }

  async find(merchantId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT request_hash, state, resource_id, locked_at, response_status, response_body, expires_at
         FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2`,
      [merchantId, key],
    );
    const row = rows[0];
    return (
      row && {
        requestHash: row.request_hash,
        state: row.state,
        resourceId: row.resource_id,
        lockedAt: row.locked_at,
        responseStatus: row.response_status,
        responseBody: row.response_body,
        expiresAt: row.expires_at,
      }
    );
  }

  /** Takes over an abandoned in-flight claim; only one of several racing retries succeeds. */
  async takeOver(merchantId: string, key: string, previousLock: Date | null, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE idempotency_keys SET locked_at = $3
        WHERE merchant_id = $1 AND idempotency_key = $2 AND state = 'in_flight'
          AND locked_at IS NOT DISTINCT FROM $4`,
      [merchantId, key, now, previousLock],
    );
    return rowCount === 1;
  }

  async complete(merchantId: string, key: string, status: number, body: unknown): Promise<void> {
    await this.pool.query({
      name: 'idempotency_keys.complete',
      text: `UPDATE idempotency_keys SET state = 'completed', locked_at = NULL, response_status = $3, response_body = $4
        WHERE merchant_id = $1 AND idempotency_key = $2`,
      values: [merchantId, key, status, JSON.stringify(body)],
    });
  }

  /** A 4xx first attempt leaves no key behind: the merchant may fix the request and reuse it. */
  async forget(merchantId: string, key: string): Promise<void> {
    await this.pool.query('DELETE FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2', [
      merchantId,
      key,
    ]);
  }

  /** After a 5xx or a crash-like failure: keep the claim's resource id for the retry, but let it in now. */
  async release(merchantId: string, key: string): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys SET locked_at = NULL WHERE merchant_id = $1 AND idempotency_key = $2 AND state = 'in_flight'`,
      [merchantId, key],
    );
  }
}
