/**
 * The sandbox provider with its records in PostgreSQL: the shared behaviour suite, then what only a database shows:
 * one statement per call, concurrent calls batched and each answered correctly, and races between a call and its
 * replay settled without moving money twice.
 */
import type { Pool } from 'pg';
import type { DataSource, Logger } from 'typeorm';
import { money, newId } from '@payment-ledger/contracts';
import { entityAndTableColumns, entityDataSource } from '../../../../test/support/entity-schema';
import { TestDatabase } from '../../../../test/support/test-database';
import { ProviderIdempotencyConflict, ProviderOperationRefused } from '../provider-errors';
import {
  authorizeRequest,
  describeSandboxBehaviour,
  expectRefused,
  operationRequest,
  type RecordCounts,
  refundRequest,
  sandboxWith,
} from './amazon-pay-sandbox.behaviour.spec-support';
import { PostgresSandboxProviderRecords } from './postgres-sandbox-provider-records';
import {
  AmazonPaySandboxChargeEntity,
  AmazonPaySandboxIdempotencyKeyEntity,
  AmazonPaySandboxOperationEntity,
  AmazonPaySandboxRefundEntity,
  SANDBOX_RECORD_ENTITIES,
} from './sandbox-records.entities';

let db: TestDatabase;
let statements = 0;
/** The test database's pool, counting the statements sent through it. */
let countingPool: Pool;
/** A DataSource over the test database for the records' repositories, counting the statements it sends too. */
let dataSource: DataSource;
const countingLogger: Logger = {
  logQuery: () => void statements++,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};
const records = () => new PostgresSandboxProviderRecords(countingPool, dataSource);

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 10 });
  dataSource = await entityDataSource(db.url, SANDBOX_RECORD_ENTITIES, { logger: countingLogger });
  countingPool = new Proxy(db.pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (...args: unknown[]) => {
        statements++;
        return (target.query as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

async function counts(): Promise<RecordCounts> {
  const { rows } = await db.pool.query<Record<keyof RecordCounts, string>>(
    `SELECT (SELECT count(*) FROM amazon_pay_sandbox_charges) AS charges,
            (SELECT count(*) FROM amazon_pay_sandbox_operations) AS operations,
            (SELECT count(*) FROM amazon_pay_sandbox_refunds) AS refunds,
            (SELECT count(*) FROM amazon_pay_sandbox_idempotency_keys) AS keys`,
  );
  return {
    charges: Number(rows[0].charges),
    operations: Number(rows[0].operations),
    refunds: Number(rows[0].refunds),
    keys: Number(rows[0].keys),
  };
}

/** Statements sent while `work` runs. */
async function statementsOf(work: () => Promise<unknown>): Promise<number> {
  const before = statements;
  await work();
  return statements - before;
}

/** Waits until `count` backends of the test database wait for a lock. */
async function waitForLockWaiters(count: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (Number(rows[0].n) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`${count} lock waiters expected`);
}

describe('AmazonPaySandboxProvider with its records in PostgreSQL', () => {
  describe('behaves as with any records', () => {
    describeSandboxBehaviour({ records: () => records(), counts });
  });

  describe('one statement per call', () => {
    const sandbox = () => sandboxWith(records());

    it('authorize with captureNow, its replay, getAuthorization, capture, void and get: one statement each', async () => {
      const provider = sandbox();
      const request = authorizeRequest({ captureNow: { captureId: newId('capture') } });
      expect(await statementsOf(() => provider.authorize(request))).toBe(1);
      expect(await statementsOf(() => provider.authorize(request))).toBe(1);

      const pending = await provider.authorize(authorizeRequest({ simulationCode: 'AuthorizationInitiated' }));
      if (pending.status !== 'PENDING') throw new Error('expected PENDING');
      const now = new Date(pending.checkAfter);
      expect(
        await statementsOf(() => provider.getAuthorization({ providerReference: pending.providerReference, now })),
      ).toBe(1);

      const capture = operationRequest(pending.providerReference, { amount: money(100, 'USD') });
      expect(await statementsOf(() => provider.capture(capture))).toBe(1);
      expect(await statementsOf(() => provider.capture(capture))).toBe(1);
      expect(await statementsOf(() => provider.void(operationRequest(pending.providerReference)))).toBe(1);
      // get reads through the entities' repositories: one statement of the DataSource's (counted by its logger).
      expect(await statementsOf(() => provider.get('authorization', pending.providerReference))).toBe(1);
      const voided = await provider.get('authorization', pending.providerReference);
      expect(voided).not.toBeNull();
    });

    it('a refused capture costs a second statement, to tell a refusal from a replay that raced its original', async () => {
      const provider = sandbox();
      const outcome = await provider.authorize(authorizeRequest());
      if (outcome.status !== 'AUTHORIZED') throw new Error('expected AUTHORIZED');
      const tooMuch = operationRequest(outcome.providerReference, { amount: money(1001, 'USD') });
      expect(await statementsOf(() => expectRefused(provider.capture(tooMuch), 'amount_exceeds_capturable'))).toBe(2);
    });
  });

  describe('concurrent calls', () => {
    it('200 authorizations with captureNow at once: each answered with its own records, in few statements', async () => {
      const provider = sandboxWith(records());
      const before = await counts();
      const requests = Array.from({ length: 200 }, (_, i) =>
        authorizeRequest({
          amount: money(100 + i, 'USD'),
          captureNow: { captureId: newId('capture') },
          simulationCode: i % 10 === 0 ? 'Declined' : null,
        }),
      );
      let outcomes: Awaited<ReturnType<typeof provider.authorize>>[] = [];
      const used = await statementsOf(async () => {
        outcomes = await Promise.all(requests.map((r) => provider.authorize(r)));
      });
      expect(used).toBeLessThan(20);
      const references = new Set<string>();
      for (const [i, outcome] of outcomes.entries()) {
        if (i % 10 === 0) {
          expect(outcome).toMatchObject({ status: 'DECLINED', failure: { providerFailureCode: 'Declined' } });
          continue;
        }
        if (outcome.status !== 'AUTHORIZED' || !outcome.capture) throw new Error(`request ${i}: ${outcome.status}`);
        references.add(outcome.providerReference).add(outcome.capture.providerReference);
        expect(await provider.get('capture', outcome.capture.providerReference)).toMatchObject({
          operationId: requests[i].captureNow?.captureId,
          amount: money(100 + i, 'USD'),
          authorizationReference: outcome.providerReference,
        });
      }
      expect(references.size).toBe(2 * 180);
      expect(await counts()).toEqual({
        ...before,
        charges: before.charges + 200,
        operations: before.operations + 180,
        keys: before.keys + 200,
      });
      // All replayed at once: the same answers, nothing recorded.
      expect(await Promise.all(requests.map((r) => provider.authorize(r)))).toEqual(outcomes);
      expect(await counts()).toEqual({
        ...before,
        charges: before.charges + 200,
        operations: before.operations + 180,
        keys: before.keys + 200,
      });
    });

    it('100 calls each sent twice at the same time (a replay racing its original): one record and one answer each', async () => {
      // Two providers on one database, as two service replicas: their batches race on the same keys.
      const a = sandboxWith(records());
      const b = sandboxWith(records());
      const before = await counts();
      const requests = Array.from({ length: 100 }, () =>
        authorizeRequest({ captureNow: { captureId: newId('capture') } }),
      );
      const [first, second] = await Promise.all([
        Promise.all(requests.map((r) => a.authorize(r))),
        Promise.all(requests.map((r) => b.authorize(r))),
      ]);
      expect(second).toEqual(first);
      expect(await counts()).toEqual({
        ...before,
        charges: before.charges + 100,
        operations: before.operations + 100,
        keys: before.keys + 100,
      });
    });

    it('a capture and its replay both past the key check, waiting on the charge: the second finds the first', async () => {
      const a = sandboxWith(records());
      const b = sandboxWith(records());
      const outcome = await a.authorize(authorizeRequest());
      if (outcome.status !== 'AUTHORIZED') throw new Error('expected AUTHORIZED');
      const capture = operationRequest(outcome.providerReference, { amount: money(100, 'USD') });
      // Another transaction holds the charge: both calls take their snapshot (no key yet) and wait for its lock.
      const holder = await db.pool.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM amazon_pay_sandbox_charges WHERE provider_reference = $1 FOR UPDATE', [
          outcome.providerReference,
        ]);
        const answers = Promise.all([a.capture(capture), b.capture(capture)]);
        await waitForLockWaiters(2);
        await holder.query('COMMIT');
        const [first, second] = await answers;
        expect(second).toEqual(first);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        holder.release();
      }
      expect(await a.get('authorization', outcome.providerReference)).toMatchObject({ state: 'Authorized' });
      const { rows } = await db.pool.query<{ n: string; captured: string }>(
        `SELECT (SELECT count(*) FROM amazon_pay_sandbox_operations WHERE charge_reference = $1) AS n,
                (SELECT captured_amount FROM amazon_pay_sandbox_charges WHERE provider_reference = $1) AS captured`,
        [outcome.providerReference],
      );
      expect(rows[0]).toEqual({ n: '1', captured: '100' });
    });

    it.each([
      ['commits', 'gets the first answer', true],
      ['rolls back', 'is done itself', false],
    ])('an authorize whose key another call is still writing: when that call %s, it %s', async (_, __, commits) => {
      const provider = sandboxWith(records());
      const request = authorizeRequest({ captureNow: { captureId: newId('capture') } });
      const first = await sandboxWith(records()).authorize(request);
      // Stand-in for the first call still in flight: its records written, not yet committed.
      const inFlight = await db.pool.connect();
      try {
        const { rows: stored } = await inFlight.query(
          'DELETE FROM amazon_pay_sandbox_idempotency_keys WHERE idempotency_key = $1 RETURNING *',
          [request.idempotencyKey],
        );
        await inFlight.query('BEGIN');
        await inFlight.query(
          `INSERT INTO amazon_pay_sandbox_idempotency_keys SELECT * FROM jsonb_populate_record(
             NULL::amazon_pay_sandbox_idempotency_keys, $1::jsonb)`,
          [JSON.stringify(stored[0])],
        );
        const replay = provider.authorize(request);
        await waitForLockWaiters(1);
        await inFlight.query(commits ? 'COMMIT' : 'ROLLBACK');
        const answer = await replay;
        if (commits) expect(answer).toEqual(first);
        else expect(answer).not.toEqual(first); // the key was free: a new charge, recorded under it
        const { rows } = await db.pool.query(
          'SELECT response FROM amazon_pay_sandbox_idempotency_keys WHERE idempotency_key = $1',
          [request.idempotencyKey],
        );
        expect(rows).toEqual([{ response: answer }]);
      } finally {
        await inFlight.query('ROLLBACK').catch(() => undefined);
        inFlight.release();
      }
    });

    it('200 captures of one unit at once on an authorization of 150: exactly 150 done, 50 refused', async () => {
      const provider = sandboxWith(records());
      const outcome = await provider.authorize(authorizeRequest({ amount: money(150, 'USD') }));
      if (outcome.status !== 'AUTHORIZED') throw new Error('expected AUTHORIZED');
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, () =>
          provider.capture(operationRequest(outcome.providerReference, { amount: money(1, 'USD') })),
        ),
      );
      const done = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      expect(done).toHaveLength(150);
      expect(refused).toHaveLength(50);
      for (const r of refused) {
        expect(r.reason).toBeInstanceOf(ProviderOperationRefused);
        expect((r.reason as ProviderOperationRefused).code).toBe('amount_exceeds_capturable');
      }
      expect(await provider.get('authorization', outcome.providerReference)).toMatchObject({ state: 'Captured' });
      const { rows } = await db.pool.query<{ n: string; total: string }>(
        `SELECT count(*) AS n, sum(amount) AS total FROM amazon_pay_sandbox_operations WHERE charge_reference = $1`,
        [outcome.providerReference],
      );
      expect(rows[0]).toEqual({ n: '150', total: '150' });
    });

    it('captures and voids of many authorizations at once, each with a replay racing it: money moves once', async () => {
      const provider = sandboxWith(records());
      const other = sandboxWith(records());
      const references = await Promise.all(
        Array.from({ length: 100 }, async () => {
          const outcome = await provider.authorize(authorizeRequest());
          if (outcome.status !== 'AUTHORIZED') throw new Error('expected AUTHORIZED');
          return outcome.providerReference;
        }),
      );
      const calls = references.map((reference, i) =>
        operationRequest(reference, {
          amount: money(600, 'USD'),
          operationId: i % 2 ? newId('capture') : newId('void'),
        }),
      );
      const run = (p: typeof provider) => Promise.all(calls.map((call, i) => (i % 2 ? p.capture(call) : p.void(call))));
      const [first, second] = await Promise.all([run(provider), run(other)]);
      expect(second).toEqual(first);
      const { rows } = await db.pool.query<{ state: string; captured: string; canceled: string; n: string }>(
        `SELECT state, sum(captured_amount) AS captured, sum(canceled_amount) AS canceled, count(*) AS n
           FROM amazon_pay_sandbox_charges WHERE provider_reference = ANY($1) GROUP BY state ORDER BY state`,
        [references],
      );
      expect(rows).toEqual([
        { state: 'Authorized', captured: String(50 * 600), canceled: '0', n: '50' },
        { state: 'Canceled', captured: '0', canceled: String(50 * 1000), n: '50' },
      ]);
      // And a key reused for another call is still refused when it comes with others.
      await expect(
        Promise.all([provider.capture({ ...calls[1], amount: money(1, 'USD') }), provider.capture(calls[3])]),
      ).rejects.toBeInstanceOf(ProviderIdempotencyConflict);
    });
  });

  describe('concurrent refunds', () => {
    /** A charge with `amount` captured (authorized with captureNow): its id. */
    async function capturedCharge(amount: number): Promise<string> {
      const request = authorizeRequest({ amount: money(amount, 'USD'), captureNow: { captureId: newId('capture') } });
      const outcome = await sandboxWith(records()).authorize(request);
      if (outcome.status !== 'AUTHORIZED') throw new Error('expected AUTHORIZED');
      return request.chargeId;
    }

    async function refundedOf(chargeId: string): Promise<{ n: string; total: string | null }> {
      const { rows } = await db.pool.query<{ n: string; total: string | null }>(
        `SELECT count(*) AS n, sum(amount) AS total FROM amazon_pay_sandbox_refunds
          WHERE charge_id = $1 AND state <> 'Declined'`,
        [chargeId],
      );
      return rows[0];
    }

    it('60 refunds of 30 at once on one charge of 1000 captured, from two replicas: 33 done (990), never more', async () => {
      const a = sandboxWith(records());
      const b = sandboxWith(records());
      const chargeId = await capturedCharge(1000);
      const results = await Promise.allSettled(
        Array.from({ length: 60 }, (_, i) =>
          (i % 2 ? a : b).refund(
            refundRequest(chargeId, {
              amount: money(30, 'USD'),
              simulationCode: i % 3 === 0 ? 'RefundDelayed' : null,
            }),
          ),
        ),
      );
      const done = results.filter((r) => r.status === 'fulfilled');
      const refused = results.filter((r) => r.status === 'rejected');
      expect(done).toHaveLength(33);
      for (const r of refused) {
        expect(r.reason).toBeInstanceOf(ProviderOperationRefused);
        expect((r.reason as ProviderOperationRefused).code).toBe('amount_exceeds_refundable');
      }
      expect(await refundedOf(chargeId)).toEqual({ n: '33', total: '990' });
    });

    it('refunds of many charges at once, each with a replay racing it on another replica: one refund each', async () => {
      const a = sandboxWith(records());
      const b = sandboxWith(records());
      const chargeIds = await Promise.all(Array.from({ length: 50 }, () => capturedCharge(500)));
      const before = await counts();
      const requests = chargeIds.flatMap((chargeId) => [
        refundRequest(chargeId, { amount: money(300, 'USD') }),
        refundRequest(chargeId, { amount: money(300, 'USD') }),
      ]);
      const run = (p: typeof a) => Promise.allSettled(requests.map((r) => p.refund(r)));
      const [first, second] = await Promise.all([run(a), run(b)]);
      // Per charge, one of its two refunds is done (by whichever replica came first, the other replaying it) and
      // the other refused on both: 200 are left of 500.
      for (let i = 0; i < requests.length; i++) {
        expect(second[i].status).toBe(first[i].status);
        if (first[i].status === 'fulfilled') expect(second[i]).toEqual(first[i]);
      }
      expect(first.filter((r) => r.status === 'fulfilled')).toHaveLength(50);
      expect(await counts()).toEqual({ ...before, refunds: before.refunds + 50, keys: before.keys + 50 });
      for (const chargeId of chargeIds) expect(await refundedOf(chargeId)).toEqual({ n: '1', total: '300' });
    });

    it("a refund waits for the charge's lock, then checks the books in a snapshot that sees the refund before it", async () => {
      const provider = sandboxWith(records());
      const chargeId = await capturedCharge(1000);
      // Stand-in for another refund of the charge being written: it holds the charge's lock, its row not committed.
      const other = await db.pool.connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [0x0702, chargeId]);
        await other.query(
          `INSERT INTO amazon_pay_sandbox_refunds (provider_reference, charge_id, refund_id, amount, currency, state,
                                                   created_at, updated_at)
           VALUES ($1, $2, $3, 900, 'USD', 'Refunded', now(), now())`,
          [`S01-R-${newId('refund')}`, chargeId, newId('refund')],
        );
        // Its refusal is expected from the start: it may come while COMMIT's own answer is still on its way.
        const refused = expectRefused(
          provider.refund(refundRequest(chargeId, { amount: money(200, 'USD') })),
          'amount_exceeds_refundable',
        );
        await waitForLockWaiters(1);
        await other.query('COMMIT');
        await refused;
      } finally {
        await other.query('ROLLBACK').catch(() => undefined);
        other.release();
      }
      expect(await provider.refund(refundRequest(chargeId, { amount: money(100, 'USD') }))).toMatchObject({
        status: 'SUCCEEDED',
      });
      expect(await refundedOf(chargeId)).toEqual({ n: '2', total: '1000' });
    });

    it('a delayed refund settled by two callers at once settles once, and both see it settled', async () => {
      const chargeId = await capturedCharge(1000);
      const outcome = await sandboxWith(records()).refund(
        refundRequest(chargeId, { amount: money(100, 'USD'), simulationCode: 'RefundDelayed' }),
      );
      if (outcome.status !== 'PENDING') throw new Error('expected PENDING');
      const now = new Date(outcome.checkAfter);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sandboxWith(records()).getRefund({
            providerReference: outcome.providerReference,
            now: new Date(now.getTime() + i),
          }),
        ),
      );
      for (const answer of answers) {
        expect(answer).toEqual({ status: 'SUCCEEDED', providerReference: outcome.providerReference });
      }
      const refund = await dataSource
        .getRepository(AmazonPaySandboxRefundEntity)
        .findOneByOrFail({ providerReference: outcome.providerReference });
      expect(refund).toMatchObject({ chargeId, amount: '100', state: 'Refunded', settlesAt: null });
    });
  });

  describe('the records as TypeORM entities', () => {
    it.each(SANDBOX_RECORD_ENTITIES)('%p is its migrated table', async (entity) => {
      const { entity: columns, table } = await entityAndTableColumns(dataSource, entity);
      expect(columns).toEqual(table);
    });

    it('the repositories read what the batched SQL wrote, and get answers from them', async () => {
      const provider = sandboxWith(records());
      const captureId = newId('capture');
      const request = authorizeRequest({ amount: money(1234, 'USD'), captureNow: { captureId } });
      const outcome = await provider.authorize(request);
      if (outcome.status !== 'AUTHORIZED') throw new Error(outcome.status);

      const charge = await dataSource
        .getRepository(AmazonPaySandboxChargeEntity)
        .findOneByOrFail({ providerReference: outcome.providerReference });
      expect(charge).toMatchObject({
        chargeId: request.chargeId,
        amount: '1234',
        currency: 'USD',
        state: 'Captured',
        capturedAmount: '1234',
        canceledAmount: '0',
        settlesAt: null,
        captureNowId: captureId,
      });
      expect(charge.createdAt).toBeInstanceOf(Date);
      const operation = await dataSource
        .getRepository(AmazonPaySandboxOperationEntity)
        .findOneByOrFail({ providerReference: charge.captureNowReference! });
      expect(operation).toMatchObject({ type: 'capture', chargeReference: charge.providerReference, amount: '1234' });
      const key = await dataSource
        .getRepository(AmazonPaySandboxIdempotencyKeyEntity)
        .findOneByOrFail({ idempotencyKey: request.idempotencyKey });
      expect(key).toMatchObject({ operation: 'authorize', response: outcome });

      expect(await provider.get('authorization', charge.providerReference)).toMatchObject({
        providerReference: charge.providerReference,
      });
      expect(await provider.get('capture', operation.providerReference)).toMatchObject({
        providerReference: operation.providerReference,
      });
      // A capture's reference is not a void's: the type is part of the repository's look-up.
      expect(await provider.get('void', operation.providerReference)).toBeNull();
      expect(await provider.get('authorization', 'no-such-reference')).toBeNull();
    });

    it('rows saved through the repositories are read back by the records as they were saved', async () => {
      const at = new Date('2026-03-01T00:00:00.000Z');
      await dataSource.getRepository(AmazonPaySandboxChargeEntity).save({
        providerReference: 'P-repo-1',
        chargeId: 'chg_repo',
        authorizationId: 'auth_repo',
        amount: '9007199254740993',
        currency: 'EUR',
        state: 'Authorized',
        capturedAmount: '0',
        canceledAmount: '0',
        simulationCode: null,
        failure: null,
        settlesAt: null,
        captureNowId: null,
        captureNowReference: null,
        createdAt: at,
        updatedAt: at,
      });
      await dataSource.getRepository(AmazonPaySandboxOperationEntity).save({
        providerReference: 'V-repo-1',
        type: 'void',
        chargeReference: 'P-repo-1',
        chargeId: 'chg_repo',
        operationId: 'void_repo',
        amount: '5',
        currency: 'EUR',
        state: 'Canceled',
        createdAt: at,
        updatedAt: at,
      });
      await dataSource.getRepository(AmazonPaySandboxIdempotencyKeyEntity).save({
        idempotencyKey: 'key-repo-1',
        operation: 'void',
        fingerprint: 'f',
        response: { providerReference: 'V-repo-1' },
        createdAt: at,
      });
      const { rows } = await db.pool.query<{ amount: string }>(
        `SELECT amount::text FROM amazon_pay_sandbox_charges WHERE provider_reference = 'P-repo-1'`,
      );
      expect(rows).toEqual([{ amount: '9007199254740993' }]);
      expect(await records().findCharge('P-repo-1')).toMatchObject({
        chargeId: 'chg_repo',
        state: 'Authorized',
        createdAt: at.toISOString(),
      });
      expect(await records().findOperation('void', 'V-repo-1')).toEqual({
        type: 'void',
        providerReference: 'V-repo-1',
        chargeReference: 'P-repo-1',
        chargeId: 'chg_repo',
        operationId: 'void_repo',
        amount: { value: 5, currency: 'EUR' },
        state: 'Canceled',
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
      });
      expect(
        await dataSource
          .getRepository(AmazonPaySandboxIdempotencyKeyEntity)
          .findOneByOrFail({ idempotencyKey: 'key-repo-1' }),
      ).toEqual({
        idempotencyKey: 'key-repo-1',
        operation: 'void',
        fingerprint: 'f',
        response: { providerReference: 'V-repo-1' },
        createdAt: at,
      });
    });
  });
});
