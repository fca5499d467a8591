import type { Pool } from 'pg';
import type { DataSource, Repository } from 'typeorm';
import type { ChargeFailure, RefundSimulationCode, SimulationCode } from '@payment-ledger/contracts';
import { inTransaction, lostRace, oneByOneOnFailure, RequestCoalescer } from '@payment-ledger/event-store';
import type { ProviderAuthorizationOutcome, ProviderRefundOutcome } from '../payment-method-provider';
import type { SandboxCharge, SandboxChargeState, SandboxOperation, SandboxOperationType } from './sandbox-charge';
import type { RefundBooks, SandboxRefund, SandboxRefundState } from './sandbox-refund';
import {
  type ChargebackBooks,
  chargebackRefusalOf,
  type SandboxChargeback,
  type SandboxChargebackState,
} from './sandbox-chargeback';
import type {
  ChargebackOpenAnswer,
  KeyedAnswer,
  NewCharge,
  NewOperation,
  NewRefund,
  Refused,
  RefundRefused,
  SandboxProviderRecords,
} from './sandbox-provider-records';
import {
  AmazonPaySandboxChargeEntity,
  AmazonPaySandboxOperationEntity,
  AmazonPaySandboxRefundEntity,
} from './sandbox-records.entities';

/** The columns written from a record (chargeRow, operationRow); columns added later keep their defaults. */
const CHARGE_COLUMNS = [
  'provider_reference',
  'charge_id',
  'authorization_id',
  'amount',
  'currency',
  'state',
  'captured_amount',
  'canceled_amount',
  'simulation_code',
  'failure',
  'settles_at',
  'capture_now_id',
  'capture_now_reference',
  'created_at',
  'updated_at',
].join(', ');
const OPERATION_COLUMNS = [
  'provider_reference',
  'type',
  'charge_reference',
  'charge_id',
  'operation_id',
  'amount',
  'currency',
  'state',
  'created_at',
  'updated_at',
].join(', ');

/**
 * The sandbox's records in PostgreSQL (migrations/0700_amazon_pay_sandbox.sql); the only SQL of the sandbox.
 *
 * Each call is one statement: a CTE that looks the idempotency key up, and for a new key writes the key, its answer
 * and the objects together. Calls made at the same time go as one statement for many (RequestCoalescer), each
 * answered on its own. The rare races are settled by running a call again on its own, in a fresh snapshot: the same
 * key sent twice at once (the second insert of the key fails, its statement rolls back, and the run again finds the
 * first one's answer), or a pending charge settled by another caller between snapshot and lock.
 *
 * Captures and voids lock their charges in reference order before deciding, so the capture rules are checked on the
 * charge's latest state and two batches never deadlock on each other.
 *
 * Refunds are one statement per call too, a call of a function (migrations/0703_amazon_pay_sandbox_open_refunds.sql).
 * A refund's rule reads other rows than the one it writes (the charge's captures and its other refunds,
 * migrations/0702_amazon_pay_sandbox_refunds.sql), which a plain statement cannot read after waiting for a lock (its
 * snapshot was taken before); a VOLATILE function's queries each take a fresh snapshot. It takes advisory locks on
 * the batch's charge ids (in order, so batches never deadlock), then checks and records in a query of its own, whose
 * snapshot is taken once no other refund of those charges is being written; the statement's implicit transaction
 * commits the refunds and their keys together, and releases the locks.
 *
 * Why SQL and not TypeORM entities (the services' data layer): each call is a data-modifying CTE over a whole batch
 * (look the keys up, lock the charges in order, insert objects and keys, update totals, answer each call) that must
 * be one statement to be one snapshot and one round trip; an ORM would make it a transaction of several statements
 * per call, with the locks and races handled by hand, on the path of every charge's provider step. The pool is the
 * service's one pool (PG_POOL, the TypeORM DataSource's own).
 *
 * The provider's Get of one object (findCharge, findOperation), a plain read of one row by its key that writes
 * nothing, reads through the entities' repositories (sandbox-records.entities.ts), from the DataSource given.
 */
export class PostgresSandboxProviderRecords implements SandboxProviderRecords {
  private readonly newCharges: RequestCoalescer<NewCharge, KeyedAnswer<ProviderAuthorizationOutcome>>;
  private readonly operations: RequestCoalescer<NewOperation, KeyedAnswer<{ providerReference: string }> | Refused>;
  private readonly chargeRepository: Repository<AmazonPaySandboxChargeEntity>;
  private readonly operationRepository: Repository<AmazonPaySandboxOperationEntity>;
  private readonly refunds: RequestCoalescer<NewRefund, KeyedAnswer<ProviderRefundOutcome> | RefundRefused>;
  private readonly refundRepository: Repository<AmazonPaySandboxRefundEntity>;

  constructor(
    /** For the SQL statements: the DataSource's own pool in a service (PG_POOL). */
    private readonly pool: Pool,
    /** For the repositories: a DataSource with SANDBOX_RECORD_ENTITIES, over the same database. */
    dataSource: DataSource,
    /** Statements in flight at once per kind of call, and the most calls in one. */
    private readonly options: { maxInFlight: number; maxBatch: number } = { maxInFlight: 2, maxBatch: 128 },
  ) {
    this.chargeRepository = dataSource.getRepository(AmazonPaySandboxChargeEntity);
    this.operationRepository = dataSource.getRepository(AmazonPaySandboxOperationEntity);
    this.refundRepository = dataSource.getRepository(AmazonPaySandboxRefundEntity);
    this.newCharges = this.coalesce(
      (batch) => this.openCharges(batch),
      (call) => call.idempotencyKey,
    );
    this.operations = this.coalesce(
      (batch) => this.applyOperations(batch),
      (call) => call.chargeReference,
    );
    this.refunds = this.coalesce(
      (batch) => this.openRefunds(batch),
      (call) => call.refund.chargeId,
    );
  }

  openRefund(call: NewRefund): Promise<KeyedAnswer<ProviderRefundOutcome> | RefundRefused> {
    return this.refunds.submit(call);
  }

  async settleRefund(providerReference: string, now: Date): Promise<SandboxRefund | null> {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.pool.query<RefundRow>({
        name: 'amazon_pay_sandbox.settle_refund',
        text: `WITH settled AS (
                 UPDATE amazon_pay_sandbox_refunds r
                    SET state = 'Refunded', settles_at = NULL, updated_at = $2
                  WHERE r.provider_reference = $1 AND r.state = 'RefundInitiated' AND r.settles_at <= $2
                 RETURNING r.*
               )
               SELECT * FROM settled
               UNION ALL
               SELECT * FROM amazon_pay_sandbox_refunds
                WHERE provider_reference = $1 AND NOT EXISTS (SELECT 1 FROM settled)`,
        values: [providerReference, now],
      });
      const refund = rows[0] ? refundOf(rows[0]) : null;
      // Due but still initiated: settled by another call after this statement's snapshot; read again.
      const stale = refund?.state === 'RefundInitiated' && Date.parse(refund.settlesAt ?? '') <= now.getTime();
      if (!stale || attempt > 0) return refund;
    }
  }

  async findRefund(providerReference: string): Promise<SandboxRefund | null> {
    const entity = await this.refundRepository.findOneBy({ providerReference });
    return entity && refundOfEntity(entity);
  }

  /**
   * Chargebacks are rare (a consumer's dispute, not a hot path), so each is a short transaction of its own rather
   * than a batched statement: the charge's advisory lock (the one its refunds take, 0703, so no refund or chargeback
   * of the charge interleaves), then the books read in a fresh snapshot and the insert
   * (migrations/0704_amazon_pay_sandbox_chargebacks.sql).
   */
  async openChargeback(chargeback: SandboxChargeback): Promise<ChargebackOpenAnswer> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(1794, hashtext($1))', [chargeback.chargeId]);
      const existing = await client.query<ChargebackRow>(
        'SELECT * FROM amazon_pay_sandbox_chargebacks WHERE chargeback_id = $1',
        [chargeback.chargebackId],
      );
      if (existing.rows[0]) return { status: 'existing', chargeback: chargebackOf(existing.rows[0]) };
      const { rows } = await client.query<{
        captured: string | null;
        currency: string | null;
        refunded: string;
        charged_back: string;
      }>(
        `SELECT (SELECT sum(amount) FROM amazon_pay_sandbox_operations WHERE type = 'capture' AND charge_id = $1) AS captured,
                (SELECT min(currency) FROM amazon_pay_sandbox_operations WHERE type = 'capture' AND charge_id = $1) AS currency,
                (SELECT coalesce(sum(amount), 0) FROM amazon_pay_sandbox_refunds
                  WHERE charge_id = $1 AND state <> 'Declined') AS refunded,
                (SELECT coalesce(sum(amount), 0) FROM amazon_pay_sandbox_chargebacks
                  WHERE charge_id = $1 AND state <> 'WON') AS charged_back`,
        [chargeback.chargeId],
      );
      const row = rows[0];
      const books: ChargebackBooks = {
        captured:
          row.captured === null || row.currency === null
            ? null
            : { value: Number(row.captured), currency: row.currency },
        refunded: Number(row.refunded),
        chargedBack: Number(row.charged_back),
      };
      if (chargebackRefusalOf(chargeback.amount, books) !== null) return { status: 'refused', books };
      await client.query(
        `INSERT INTO amazon_pay_sandbox_chargebacks (provider_reference, charge_id, chargeback_id, amount, currency, reason,
                                                     state, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          chargeback.providerReference,
          chargeback.chargeId,
          chargeback.chargebackId,
          chargeback.amount.value,
          chargeback.amount.currency,
          chargeback.reason,
          chargeback.state,
          chargeback.createdAt,
          chargeback.updatedAt,
        ],
      );
      return { status: 'recorded', chargeback };
    });
  }

  /** The chargeback's row locked (FOR UPDATE) while it is decided, so two decisions of it never both apply. */
  async updateChargeback(
    chargebackId: string,
    decide: (chargeback: SandboxChargeback) => SandboxChargeback | null,
  ): Promise<SandboxChargeback | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<ChargebackRow>(
        'SELECT * FROM amazon_pay_sandbox_chargebacks WHERE chargeback_id = $1 FOR UPDATE',
        [chargebackId],
      );
      if (!rows[0]) return null;
      const chargeback = chargebackOf(rows[0]);
      const decided = decide(chargeback);
      if (decided === null) return chargeback;
      await client.query(
        'UPDATE amazon_pay_sandbox_chargebacks SET state = $2, updated_at = $3 WHERE chargeback_id = $1',
        [chargebackId, decided.state, decided.updatedAt],
      );
      return decided;
    });
  }

  async findChargeback(providerReference: string): Promise<SandboxChargeback | null> {
    const { rows } = await this.pool.query<ChargebackRow>(
      'SELECT * FROM amazon_pay_sandbox_chargebacks WHERE provider_reference = $1',
      [providerReference],
    );
    return rows[0] ? chargebackOf(rows[0]) : null;
  }

  openCharge(call: NewCharge): Promise<KeyedAnswer<ProviderAuthorizationOutcome>> {
    return this.newCharges.submit(call);
  }

  async applyOperation(call: NewOperation): Promise<KeyedAnswer<{ providerReference: string }> | Refused> {
    const answer = await this.operations.submit(call);
    if (answer.status !== 'refused') return answer;
    // Refused in this snapshot: unless a call with the same key was done meanwhile (a replay racing its original).
    const { rows } = await this.pool.query<KeyRow>({
      name: 'amazon_pay_sandbox.find_key',
      text: 'SELECT operation, fingerprint, response FROM amazon_pay_sandbox_idempotency_keys WHERE idempotency_key = $1',
      values: [call.idempotencyKey],
    });
    return rows[0] ? replayed(rows[0]) : answer;
  }

  async settleCharge(providerReference: string, now: Date): Promise<SandboxCharge | null> {
    for (let attempt = 0; ; attempt++) {
      const { rows } = await this.pool.query<ChargeRow>({
        name: 'amazon_pay_sandbox.settle_charge',
        text: `WITH settled AS (
                 UPDATE amazon_pay_sandbox_charges c
                    SET state = CASE WHEN c.capture_now_id IS NULL THEN 'Authorized' ELSE 'Captured' END,
                        captured_amount = CASE WHEN c.capture_now_id IS NULL THEN 0 ELSE c.amount END,
                        settles_at = NULL,
                        updated_at = $2
                  WHERE c.provider_reference = $1 AND c.state = 'AuthorizationInitiated' AND c.settles_at <= $2
                 RETURNING c.*
               ), captured AS (
                 INSERT INTO amazon_pay_sandbox_operations (provider_reference, type, charge_reference, charge_id,
                                                            operation_id, amount, currency, state, created_at,
                                                            updated_at)
                 SELECT capture_now_reference, 'capture', provider_reference, charge_id, capture_now_id, amount,
                        currency, 'Captured', $2, $2
                   FROM settled WHERE capture_now_id IS NOT NULL
               )
               SELECT * FROM settled
               UNION ALL
               SELECT * FROM amazon_pay_sandbox_charges
                WHERE provider_reference = $1 AND NOT EXISTS (SELECT 1 FROM settled)`,
        values: [providerReference, now],
      });
      const charge = rows[0] ? chargeOf(rows[0]) : null;
      // Due but still pending: settled (or voided) by another call after this statement's snapshot; read again.
      const stale = charge?.state === 'AuthorizationInitiated' && Date.parse(charge.settlesAt ?? '') <= now.getTime();
      if (!stale || attempt > 0) return charge;
    }
  }

  async findCharge(providerReference: string): Promise<SandboxCharge | null> {
    const entity = await this.chargeRepository.findOneBy({ providerReference });
    return entity && chargeOfEntity(entity);
  }

  async findOperation(type: SandboxOperationType, providerReference: string): Promise<SandboxOperation | null> {
    const entity = await this.operationRepository.findOneBy({ providerReference, type });
    return entity && operationOfEntity(entity);
  }

  /** New charges of concurrent authorizations: one statement for the batch; the same key never twice in one. */
  private async openCharges(batch: NewCharge[]): Promise<KeyedAnswer<ProviderAuthorizationOutcome>[]> {
    const { rows } = await this.pool.query<KeyRow & { i: number }>({
      name: 'amazon_pay_sandbox.open_charges',
      text: `WITH req AS (
                 SELECT * FROM jsonb_to_recordset($1::jsonb)
                   AS r(i int, key text, fingerprint text, response jsonb, charge jsonb, capture jsonb)
               ), prior AS (
                 SELECT r.i, k.operation, k.fingerprint, k.response
                   FROM req r JOIN amazon_pay_sandbox_idempotency_keys k ON k.idempotency_key = r.key
               ), fresh AS (
                 SELECT r.* FROM req r WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.i = r.i)
               ), new_keys AS (
                 INSERT INTO amazon_pay_sandbox_idempotency_keys (idempotency_key, operation, fingerprint, response,
                                                                  created_at)
                 SELECT key, 'authorize', fingerprint, response, (charge->>'created_at')::timestamptz FROM fresh
               ), new_charges AS (
                 INSERT INTO amazon_pay_sandbox_charges (${CHARGE_COLUMNS})
                 SELECT ${CHARGE_COLUMNS}
                   FROM fresh, jsonb_populate_record(NULL::amazon_pay_sandbox_charges, fresh.charge)
               ), new_captures AS (
                 INSERT INTO amazon_pay_sandbox_operations (${OPERATION_COLUMNS})
                 SELECT ${OPERATION_COLUMNS}
                   FROM fresh, jsonb_populate_record(NULL::amazon_pay_sandbox_operations, fresh.capture)
                  WHERE fresh.capture IS NOT NULL
               )
               SELECT r.i, p.operation, p.fingerprint, p.response FROM req r LEFT JOIN prior p USING (i)`,
      values: [
        JSON.stringify(
          batch.map((call, i) => ({
            i,
            key: call.idempotencyKey,
            fingerprint: call.fingerprint,
            response: call.response,
            charge: chargeRow(call.charge),
            capture: call.capture && operationRow(call.capture),
          })),
        ),
      ],
    });
    return byIndex(rows, batch.length).map((row, i) =>
      row.operation === null ? { status: 'recorded', response: batch[i].response } : replayed(row),
    );
  }

  /** Captures and voids: one statement for the batch, at most one per charge (one row update per charge). */
  private async applyOperations(
    batch: NewOperation[],
  ): Promise<Array<KeyedAnswer<{ providerReference: string }> | Refused>> {
    const { rows } = await this.pool.query<KeyRow & { i: number; allowed: boolean | null; charge: JsonRow | null }>({
      name: 'amazon_pay_sandbox.apply_operations',
      text: `WITH req AS (
                 SELECT * FROM jsonb_to_recordset($1::jsonb)
                   AS r(i int, key text, fingerprint text, type text, reference text, charge_reference text,
                        charge_id text, operation_id text, amount bigint, currency text, at timestamptz)
               ), prior AS (
                 SELECT r.i, k.operation, k.fingerprint, k.response
                   FROM req r JOIN amazon_pay_sandbox_idempotency_keys k ON k.idempotency_key = r.key
               ), fresh AS (
                 SELECT r.* FROM req r WHERE NOT EXISTS (SELECT 1 FROM prior p WHERE p.i = r.i)
               ), locked AS MATERIALIZED (
                 SELECT c.* FROM amazon_pay_sandbox_charges c
                  WHERE c.provider_reference IN (SELECT charge_reference FROM fresh)
                  ORDER BY c.provider_reference
                    FOR UPDATE
               ), decided AS (
                 -- The rules of sandbox-charge.ts refusalOf / applyOperation, on the locked (latest) charge.
                 SELECT f.*, l.amount - l.captured_amount - l.canceled_amount AS capturable, to_jsonb(l) AS charge,
                        l.currency AS charge_currency,
                        (CASE f.type
                           WHEN 'capture' THEN l.state = 'Authorized' AND l.currency = f.currency AND f.amount > 0
                                           AND f.amount <= l.amount - l.captured_amount - l.canceled_amount
                           WHEN 'void' THEN l.state = 'Authorized'
                         END) IS TRUE AS allowed
                   FROM fresh f LEFT JOIN locked l ON l.provider_reference = f.charge_reference
               ), changed AS (
                 UPDATE amazon_pay_sandbox_charges c
                    SET captured_amount = c.captured_amount + CASE WHEN d.type = 'capture' THEN d.amount ELSE 0 END,
                        canceled_amount = c.canceled_amount + CASE WHEN d.type = 'void' THEN d.capturable ELSE 0 END,
                        state = CASE WHEN d.type = 'void' THEN 'Canceled'
                                     WHEN c.captured_amount + d.amount = c.amount THEN 'Captured'
                                     ELSE c.state END,
                        updated_at = d.at
                   FROM decided d
                  WHERE d.allowed AND c.provider_reference = d.charge_reference
               ), new_operations AS (
                 INSERT INTO amazon_pay_sandbox_operations (provider_reference, type, charge_reference, charge_id,
                                                            operation_id, amount, currency, state, created_at,
                                                            updated_at)
                 SELECT reference, type, charge_reference, charge_id, operation_id,
                        CASE WHEN type = 'void' THEN capturable ELSE amount END, charge_currency,
                        CASE WHEN type = 'capture' THEN 'Captured' ELSE 'Canceled' END, at, at
                   FROM decided WHERE allowed
               ), new_keys AS (
                 INSERT INTO amazon_pay_sandbox_idempotency_keys (idempotency_key, operation, fingerprint, response,
                                                                  created_at)
                 SELECT key, type, fingerprint, jsonb_build_object('providerReference', reference), at
                   FROM decided WHERE allowed
               )
               SELECT r.i, p.operation, p.fingerprint, p.response, d.allowed, d.charge
                 FROM req r LEFT JOIN prior p USING (i) LEFT JOIN decided d USING (i)`,
      values: [
        JSON.stringify(
          batch.map((call, i) => ({
            i,
            key: call.idempotencyKey,
            fingerprint: call.fingerprint,
            type: call.type,
            reference: call.providerReference,
            charge_reference: call.chargeReference,
            charge_id: call.chargeId,
            operation_id: call.operationId,
            amount: call.amount.value,
            currency: call.amount.currency,
            at: call.at,
          })),
        ),
      ],
    });
    return byIndex(rows, batch.length).map((row, i) => {
      if (row.operation !== null) return replayed(row);
      if (row.allowed) return { status: 'recorded', response: { providerReference: batch[i].providerReference } };
      return { status: 'refused', charge: row.charge && chargeOf(row.charge) };
    });
  }

  /**
   * Refunds of concurrent calls, at most one per charge: one statement for the batch, the function of
   * migrations/0703_amazon_pay_sandbox_open_refunds.sql (see the class comment). It locks the charges, looks the keys
   * up, adds up each charge's books (captures; refunds not declined), and records the refunds they allow
   * (sandbox-refund.ts refundRefusalOf) with their keys. The batch goes as arrays, one per column.
   */
  private async openRefunds(batch: NewRefund[]): Promise<Array<KeyedAnswer<ProviderRefundOutcome> | RefundRefused>> {
    const column = <T>(of: (call: NewRefund) => T): T[] => batch.map(of);
    const { rows } = await this.pool.query<
      KeyRow & {
        i: number;
        allowed: boolean | null;
        captured: string | null;
        currency: string | null;
        refunded: string | null;
      }
    >({
      name: 'amazon_pay_sandbox.open_refunds',
      text: `SELECT * FROM amazon_pay_sandbox_open_refunds($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
               $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::timestamptz[],
               $13::timestamptz[], $14::timestamptz[])`,
      values: [
        column((call) => call.idempotencyKey),
        column((call) => call.fingerprint),
        column((call) => JSON.stringify(call.response)),
        column((call) => call.refund.providerReference),
        column((call) => call.refund.chargeId),
        column((call) => call.refund.refundId),
        column((call) => call.refund.amount.value),
        column((call) => call.refund.amount.currency),
        column((call) => call.refund.state),
        column((call) => call.refund.simulationCode),
        column((call) => (call.refund.failure === null ? null : JSON.stringify(call.refund.failure))),
        column((call) => call.refund.settlesAt),
        column((call) => call.refund.createdAt),
        column((call) => call.refund.updatedAt),
      ],
    });
    return byIndex(rows, batch.length).map((row, i): KeyedAnswer<ProviderRefundOutcome> | RefundRefused => {
      if (row.operation !== null) return replayed(row);
      if (row.allowed) return { status: 'recorded', response: batch[i].response };
      const books: RefundBooks = {
        captured:
          row.captured === null || row.currency === null
            ? null
            : { value: Number(row.captured), currency: row.currency },
        refunded: Number(row.refunded ?? 0),
      };
      return { status: 'refused', books };
    });
  }

  /**
   * A coalescer whose batch is one statement; a batch that fails runs its calls again one by one, so one call's race
   * (its key sent at the same time by another call) does not fail the others, and a call alone that lost such a race
   * runs once more, and then finds the winner's answer (oneByOneOnFailure).
   */
  private coalesce<Call, Answer>(
    run: (batch: Call[]) => Promise<Answer[]>,
    keyOf: (call: Call) => string,
  ): RequestCoalescer<Call, Answer> {
    return new RequestCoalescer<Call, Answer>(this.options, oneByOneOnFailure(run, lostRace), keyOf);
  }
}

interface KeyRow {
  operation: string | null;
  fingerprint: string | null;
  response: unknown;
}

function replayed<Response>(row: KeyRow): KeyedAnswer<Response> {
  return {
    status: 'replayed',
    operation: row.operation ?? '',
    fingerprint: row.fingerprint ?? '',
    response: row.response as Response,
  };
}

/** The statement's rows in the batch's order. */
function byIndex<Row extends { i: number }>(rows: Row[], count: number): Row[] {
  const ordered = new Array<Row>(count);
  for (const row of rows) ordered[row.i] = row;
  return ordered;
}

type Timestamp = Date | string;
type JsonRow = Record<string, unknown>;

interface ChargeRow {
  provider_reference: string;
  charge_id: string;
  authorization_id: string;
  amount: string | number;
  currency: string;
  state: SandboxChargeState;
  captured_amount: string | number;
  canceled_amount: string | number;
  simulation_code: SimulationCode | null;
  failure: ChargeFailure | null;
  settles_at: Timestamp | null;
  capture_now_id: string | null;
  capture_now_reference: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface OperationRow {
  provider_reference: string;
  type: SandboxOperationType;
  charge_reference: string;
  charge_id: string;
  operation_id: string;
  amount: string | number;
  currency: string;
  state: 'Captured' | 'Canceled';
  created_at: Timestamp;
  updated_at: Timestamp;
}

interface ChargebackRow {
  provider_reference: string;
  charge_id: string;
  chargeback_id: string;
  amount: string | number;
  currency: string;
  reason: string;
  state: SandboxChargebackState;
  created_at: Timestamp;
  updated_at: Timestamp;
}

function chargebackOf(row: ChargebackRow): SandboxChargeback {
  return {
    providerReference: row.provider_reference,
    chargeId: row.charge_id,
    chargebackId: row.chargeback_id,
    amount: { value: Number(row.amount), currency: row.currency },
    reason: row.reason,
    state: row.state,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

interface RefundRow {
  provider_reference: string;
  charge_id: string;
  refund_id: string;
  amount: string | number;
  currency: string;
  state: SandboxRefundState;
  simulation_code: RefundSimulationCode | null;
  failure: ChargeFailure | null;
  settles_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

const iso = (t: Timestamp): string => new Date(t).toISOString();

/** A charge from its row, as the driver reads it (bigint as text, Date) or as to_jsonb writes it (numbers, text). */
function chargeOf(input: ChargeRow | JsonRow): SandboxCharge {
  const row = input as ChargeRow;
  return {
    providerReference: row.provider_reference,
    chargeId: row.charge_id,
    authorizationId: row.authorization_id,
    amount: { value: Number(row.amount), currency: row.currency },
    state: row.state,
    capturedAmount: Number(row.captured_amount),
    canceledAmount: Number(row.canceled_amount),
    simulationCode: row.simulation_code,
    failure: row.failure,
    settlesAt: row.settles_at === null ? null : iso(row.settles_at),
    captureNow:
      row.capture_now_id === null || row.capture_now_reference === null
        ? null
        : { captureId: row.capture_now_id, providerReference: row.capture_now_reference },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function chargeOfEntity(entity: AmazonPaySandboxChargeEntity): SandboxCharge {
  return chargeOf({
    provider_reference: entity.providerReference,
    charge_id: entity.chargeId,
    authorization_id: entity.authorizationId,
    amount: entity.amount,
    currency: entity.currency,
    state: entity.state,
    captured_amount: entity.capturedAmount,
    canceled_amount: entity.canceledAmount,
    simulation_code: entity.simulationCode,
    failure: entity.failure,
    settles_at: entity.settlesAt,
    capture_now_id: entity.captureNowId,
    capture_now_reference: entity.captureNowReference,
    created_at: entity.createdAt,
    updated_at: entity.updatedAt,
  });
}

function chargeRow(charge: SandboxCharge): ChargeRow {
  return {
    provider_reference: charge.providerReference,
    charge_id: charge.chargeId,
    authorization_id: charge.authorizationId,
    amount: charge.amount.value,
    currency: charge.amount.currency,
    state: charge.state,
    captured_amount: charge.capturedAmount,
    canceled_amount: charge.canceledAmount,
    simulation_code: charge.simulationCode,
    failure: charge.failure,
    settles_at: charge.settlesAt,
    capture_now_id: charge.captureNow?.captureId ?? null,
    capture_now_reference: charge.captureNow?.providerReference ?? null,
    created_at: charge.createdAt,
    updated_at: charge.updatedAt,
  };
}

function operationOf(row: OperationRow): SandboxOperation {
  return {
    type: row.type,
    providerReference: row.provider_reference,
    chargeReference: row.charge_reference,
    chargeId: row.charge_id,
    operationId: row.operation_id,
    amount: { value: Number(row.amount), currency: row.currency },
    state: row.state,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function operationOfEntity(entity: AmazonPaySandboxOperationEntity): SandboxOperation {
  return operationOf({
    provider_reference: entity.providerReference,
    type: entity.type,
    charge_reference: entity.chargeReference,
    charge_id: entity.chargeId,
    operation_id: entity.operationId,
    amount: entity.amount,
    currency: entity.currency,
    state: entity.state,
    created_at: entity.createdAt,
    updated_at: entity.updatedAt,
  });
}

function operationRow(operation: SandboxOperation): OperationRow {
  return {
    provider_reference: operation.providerReference,
    type: operation.type,
    charge_reference: operation.chargeReference,
    charge_id: operation.chargeId,
    operation_id: operation.operationId,
    amount: operation.amount.value,
    currency: operation.amount.currency,
    state: operation.state,
    created_at: operation.createdAt,
    updated_at: operation.updatedAt,
  };
}

function refundOf(row: RefundRow): SandboxRefund {
  return {
    providerReference: row.provider_reference,
    chargeId: row.charge_id,
    refundId: row.refund_id,
    amount: { value: Number(row.amount), currency: row.currency },
    state: row.state,
    simulationCode: row.simulation_code,
    failure: row.failure,
    settlesAt: row.settles_at === null ? null : iso(row.settles_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function refundOfEntity(entity: AmazonPaySandboxRefundEntity): SandboxRefund {
  return refundOf({
    provider_reference: entity.providerReference,
    charge_id: entity.chargeId,
    refund_id: entity.refundId,
    amount: entity.amount,
    currency: entity.currency,
    state: entity.state,
    simulation_code: entity.simulationCode,
    failure: entity.failure,
    settles_at: entity.settlesAt,
    created_at: entity.createdAt,
    updated_at: entity.updatedAt,
  });
}
