import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { IsNull, type Repository } from 'typeorm';
import { lostRace, oneByOneOnFailure, RequestCoalescer } from '@payment-ledger/event-store';
import { PG_POOL } from '@payment-ledger/platform';
import { PURGE_TASK, type PurgeTask, type PurgeTaskSource } from '@payment-ledger/timers';
import { IDEMPOTENCY_KEY_TTL_MS, type IdempotencyRecord } from '../../domain/idempotency';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

interface Row {
  request_hash: string;
  state: 'in_flight' | 'completed';
  resource_id: string;
  locked_at: Date | null;
  response_status: number | null;
  response_body: unknown;
  expires_at: Date;
}

/**
 * The `idempotency_keys` table (IdempotencyKeyEntity). Every change is one statement, so two racing requests cannot
 * both claim a key.
 *
 * Every keyed POST claims its key before its work and completes it after, two statements per request: those of
 * requests made at the same time go together (RequestCoalescer, at most COALESCING.maxInFlight statements of each
 * kind at once, the rest wait and go as one `unnest` statement), which halved the database CPU the gateway costs
 * per refund (bench:refunds; docs/performance.md). A key appears at most once in a statement, and rows are written in
 * key order, so two statements never deadlock; a statement that fails is run again one request at a time, so a bad
 * request fails alone (and a claim that lost an insert race to a concurrent one runs once more and is refused).
 *
 * What every keyed request runs (claim, complete, and find when a key is already taken) stays one hand-written SQL
 * statement on the DataSource's own pool (PG_POOL), as a named prepared statement: measured on this path, TypeORM's
 * `update` cost 2.3 times the CPU of the prepared UPDATE (about +0.1 ms per request, against a gateway budget of about
 * 0.35 ms per create) and `findOneBy` 3 to 4 times the SELECT; and the claim is a conditional upsert (`ON CONFLICT …
 * DO UPDATE … WHERE` the record expired) that TypeORM's upsert cannot express. The rarer paths (a crashed attempt
 * taken over, a failed one forgotten or released) go through the entity's repository.
 */
/** Statements of each kind in flight at once, and the most requests in one. */
const COALESCING = { maxInFlight: 2, maxBatch: 64 };

interface Claim {
  merchantId: string;
  key: string;
  requestHash: string;
  resourceId: string;
  now: Date;
}

interface Completion {
  merchantId: string;
  key: string;
  status: number;
  /** The response body as JSON text. */
  body: string;
}

function recordKey(merchantId: string, key: string): string {
  return `${merchantId}\n${key}`;
}

@Injectable()
export class IdempotencyRepository implements PurgeTaskSource {
  private readonly claims = new RequestCoalescer<Claim, boolean>(
    COALESCING,
    oneByOneOnFailure((batch) => this.claimAll(batch), lostRace),
    (claim) => recordKey(claim.merchantId, claim.key),
  );
  private readonly completions = new RequestCoalescer<Completion, void>(
    COALESCING,
    oneByOneOnFailure((batch) => this.completeAll(batch)),
    (completion) => recordKey(completion.merchantId, completion.key),
  );

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @InjectRepository(IdempotencyKeyEntity) private readonly records: Repository<IdempotencyKeyEntity>,
  ) {}

  /** Housekeeping (HousekeepingModule) deletes expired records: an expired record already counts as absent (claim). */
  [PURGE_TASK](): PurgeTask {
    return { name: 'idempotency-keys', purge: (now, limit) => this.deleteExpired(now, limit) };
  }

  /** Deletes up to `limit` records expired at `now` (by `idempotency_keys_expiry`), skipping any a request holds. */
  async deleteExpired(now: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM idempotency_keys k
        USING (SELECT merchant_id, idempotency_key FROM idempotency_keys WHERE expires_at <= $1
               LIMIT $2 FOR UPDATE SKIP LOCKED) expired
        WHERE k.merchant_id = expired.merchant_id AND k.idempotency_key = expired.idempotency_key`,
      [now, limit],
    );
    return rowCount ?? 0;
  }

  /** Claims the key for a first attempt (or over an expired record); false when a live record exists. */
  claim(merchantId: string, key: string, requestHash: string, resourceId: string, now: Date): Promise<boolean> {
    return this.claims.submit({ merchantId, key, requestHash, resourceId, now });
  }

  /**
   * Claims of concurrent requests as one statement (see the class comment): a claim inserts the key's record, or
   * takes over an expired one; the records it wrote come back, so each claim learns whether it got its key.
   */
  private async claimAll(claims: Claim[]): Promise<boolean[]> {
    const { rows } = await this.pool.query<{ merchant_id: string; idempotency_key: string }>({
      name: 'idempotency_keys.claim_all',
      text: `INSERT INTO idempotency_keys AS k
         (merchant_id, idempotency_key, request_hash, state, resource_id, locked_at, created_at, expires_at)
       SELECT c.merchant_id, c.idempotency_key, c.request_hash, 'in_flight', c.resource_id, c.now, c.now, c.expires_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])
              AS c(merchant_id, idempotency_key, request_hash, resource_id, now, expires_at)
        ORDER BY c.merchant_id, c.idempotency_key
       ON CONFLICT (merchant_id, idempotency_key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, state = 'in_flight', resource_id = EXCLUDED.resource_id,
             locked_at = EXCLUDED.locked_at, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
             response_status = NULL, response_body = NULL
         WHERE k.expires_at <= EXCLUDED.created_at
       RETURNING k.merchant_id, k.idempotency_key`,
      values: [
        claims.map((c) => c.merchantId),
        claims.map((c) => c.key),
        claims.map((c) => c.requestHash),
        claims.map((c) => c.resourceId),
        claims.map((c) => c.now),
        claims.map((c) => new Date(c.now.getTime() + IDEMPOTENCY_KEY_TTL_MS)),
      ],
    });
    const claimed = new Set(rows.map((r) => recordKey(r.merchant_id, r.idempotency_key)));
    return claims.map((c) => claimed.has(recordKey(c.merchantId, c.key)));
  }

  async find(merchantId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const { rows } = await this.pool.query<Row>({
      name: 'idempotency_keys.find',
      text: `SELECT request_hash, state, resource_id, locked_at, response_status, response_body, expires_at
         FROM idempotency_keys WHERE merchant_id = $1 AND idempotency_key = $2`,
      values: [merchantId, key],
    });
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
    const { affected } = await this.records.update(
      { merchantId, idempotencyKey: key, state: 'in_flight', lockedAt: previousLock ?? IsNull() },
      { lockedAt: now },
    );
    return affected === 1;
  }

  complete(merchantId: string, key: string, status: number, body: unknown): Promise<void> {
    return this.completions.submit({ merchantId, key, status, body: JSON.stringify(body) });
  }

  /** Completions of concurrent requests as one statement: each record gets its first response. */
  private async completeAll(completions: Completion[]): Promise<void[]> {
    await this.pool.query({
      name: 'idempotency_keys.complete_all',
      text: `UPDATE idempotency_keys k
          SET state = 'completed', locked_at = NULL, response_status = c.status, response_body = c.body
         FROM (SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::jsonb[])
                 AS c(merchant_id, idempotency_key, status, body)
                ORDER BY merchant_id, idempotency_key) c
        WHERE k.merchant_id = c.merchant_id AND k.idempotency_key = c.idempotency_key`,
      values: [
        completions.map((c) => c.merchantId),
        completions.map((c) => c.key),
        completions.map((c) => c.status),
        completions.map((c) => c.body),
      ],
    });
    return completions.map(() => undefined);
  }

  /** A 4xx first attempt leaves no key behind: the merchant may fix the request and reuse it. */
  async forget(merchantId: string, key: string): Promise<void> {
    await this.records.delete({ merchantId, idempotencyKey: key });
  }

  /** After a 5xx or a crash-like failure: keep the claim's resource id for the retry, but let it in now. */
  async release(merchantId: string, key: string): Promise<void> {
    await this.records.update({ merchantId, idempotencyKey: key, state: 'in_flight' }, { lockedAt: null });
  }
}
