/**
 * The services' database role (docs/operations.md, Database roles): the migrations grant `payment_ledger_service`
 * what the code does on each table, and on `events` only SELECT and INSERT; the services log in as a member of it
 * (here the tests' login, made by docker/postgres/service-login.sql as an operator makes theirs), which may change no
 * schema; and every service runs a payment flow on a fresh database through that login alone.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pool, type PoolClient } from 'pg';
import { EVENT_STORE_MIGRATIONS } from '@payment-ledger/event-store';
import { HousekeepingWorker } from '@payment-ledger/timers';
import { CompleteAgreementCheckoutHandler } from '../../apps/agreements/src/application/complete-agreement-checkout.handler';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { createMerchant } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { apiClient, PaymentStack, SEED_001_AGREEMENT, SEED_001_CHARGE } from '../support/payment-stack';
import { TEST_SERVICE_LOGIN, TestDatabase } from '../support/test-database';
import { waitFor } from '../support/wait';

const SERVICE_ROLE = 'payment_ledger_service';
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;
const ROWS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
/** Inserted, updated in place (or locked FOR UPDATE, which needs UPDATE), never deleted. */
const UPSERT = ['SELECT', 'INSERT', 'UPDATE'];

/**
 * What the services do on each table, so what the migrations must grant them, exactly. A table added without its
 * line here (and its GRANT in the migration that creates it) fails the first test: say what the code does on it.
 */
const SERVICE_PRIVILEGES: Record<string, string[]> = {
  // The event store: read and append, never change (the trigger also refuses it to the owner).
  events: ['SELECT', 'INSERT'],
  // The log's checkpoints (migration 0102): written and read, never changed (a trigger refuses it, as on events).
  event_log_checkpoints: ['SELECT', 'INSERT'],
  // Checkpoints are created and moved on; a rebuild's leftovers are removed by the rebuild, run as the owner.
  relay_checkpoints: UPSERT,
  // Deduplication, then the purge of old rows (its FOR UPDATE SKIP LOCKED needs UPDATE).
  inbox: ROWS,
  timers: ROWS,
  // A rotation locks the merchant's row (FOR UPDATE); keys expire and are revoked in place.
  merchants: UPSERT,
  api_keys: UPSERT,
  // Claimed, completed, released, and purged once expired.
  idempotency_keys: ROWS,
  // Upserted by their projections (a rebuild swaps tables as the owner).
  charge_list_view: UPSERT,
  refund_list_view: UPSERT,
  agreement_list_view: UPSERT,
  scheduled_charges: ['SELECT', 'INSERT'],
  scheduler_test_clocks: UPSERT,
  // A sandbox charge is locked and updated; its operations and the idempotency keys are only written once.
  amazon_pay_sandbox_charges: UPSERT,
  amazon_pay_sandbox_operations: ['SELECT', 'INSERT'],
  amazon_pay_sandbox_idempotency_keys: ['SELECT', 'INSERT'],
  // A sandbox refund is inserted, and updated once when a delayed one settles.
  amazon_pay_sandbox_refunds: UPSERT,
  // A sandbox chargeback is inserted, and updated once when it is resolved.
  amazon_pay_sandbox_chargebacks: UPSERT,
  // Webhooks: endpoints are soft-deleted, deliveries settle by UPDATE, attempts are only added.
  webhook_endpoints: UPSERT,
  webhook_deliveries: UPSERT,
  webhook_attempts: ['SELECT', 'INSERT'],
  webhook_merchant_secrets: UPSERT,
  // The merchant event log is upserted by its projection; provider notifications are recorded, then marked handled.
  merchant_events: UPSERT,
  provider_notifications: UPSERT,
  // The ledger: entries and their lines are only posted (a correction is a reversing entry; a rebuild swaps tables
  // as the owner); the posting state per charge is upserted with them.
  ledger_entries: ['SELECT', 'INSERT'],
  ledger_lines: ['SELECT', 'INSERT'],
  ledger_charge_postings: UPSERT,
};
/** The migration runner's own bookkeeping: nothing the services touch. */
const NOT_FOR_SERVICES = ['migrations'];

let db: TestDatabase;
let service: Pool;

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 4 });
  service = new Pool({ connectionString: db.serviceUrl, max: 2 });
  service.on('error', () => undefined); // an idle connection ended by the database's drop
});
afterAll(async () => {
  await service?.end();
  await db?.drop();
});

/** `role`'s privileges on every table of the schema (granted to it, to a role it is in, or to PUBLIC). */
async function tablePrivileges(role: string): Promise<Record<string, string[]>> {
  const { rows } = await db.pool.query<{ table: string; privileges: string[] }>(
    `SELECT c.relname AS table,
            array(SELECT p FROM unnest($2::text[]) p WHERE has_table_privilege($1, c.oid, p)) AS privileges
       FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
      ORDER BY c.relname`,
    [role, PRIVILEGES],
  );
  return Object.fromEntries(rows.map((r) => [r.table, r.privileges]));
}

/** What `sql` fails with, run as the services' login in a transaction that is rolled back. */
async function refusal(sql: string): Promise<{ code?: string; message: string }> {
  const session: PoolClient = await service.connect();
  try {
    await session.query('BEGIN');
    await session.query(sql);
    return { message: 'allowed' };
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    return { code, message };
  } finally {
    await session.query('ROLLBACK');
    session.release();
  }
}

describe('what the migrations grant the services', () => {
  it('grants payment_ledger_service exactly what the code does on each table, and on every table', async () => {
    const granted = await tablePrivileges(SERVICE_ROLE);
    const expected = Object.fromEntries(
      Object.keys(granted)
        .filter((table) => !NOT_FOR_SERVICES.includes(table))
        .map((table) => [table, SERVICE_PRIVILEGES[table] ?? ['(no entry in SERVICE_PRIVILEGES)']]),
    );
    for (const table of NOT_FOR_SERVICES) expect(granted[table]).toEqual([]);
    const forServices = Object.fromEntries(Object.entries(granted).filter(([t]) => !NOT_FOR_SERVICES.includes(t)));
    expect(forServices).toEqual(expected);
    // Every listed table exists (a renamed or dropped table leaves no stale entry).
    expect(Object.keys(SERVICE_PRIVILEGES).filter((table) => !(table in granted))).toEqual([]);
  });

  it('gives the services’ login what its group role has and nothing of its own; the sequences the tables use', async () => {
    expect(await tablePrivileges(TEST_SERVICE_LOGIN)).toEqual(await tablePrivileges(SERVICE_ROLE));
    const { rows } = await db.pool.query<{ login: boolean; superuser: boolean; member: boolean }>(
      `SELECT rolcanlogin AS login, rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls AS superuser,
              pg_has_role($1, $2, 'MEMBER') AS member
         FROM pg_roles WHERE rolname = $1`,
      [TEST_SERVICE_LOGIN, SERVICE_ROLE],
    );
    expect(rows).toEqual([{ login: true, superuser: false, member: true }]);
    // Identity columns (events.global_position) need no grant; any other sequence a table draws from needs USAGE.
    const sequences = await db.pool.query<{ sequence: string }>(
      `WITH sequences AS MATERIALIZED (
         SELECT s.oid, s.relname,
                (SELECT d.deptype FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')) AS dependency,
                (SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i')) AS owner
           FROM pg_class s WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace)
       SELECT relname AS sequence FROM sequences
        WHERE dependency IS DISTINCT FROM 'i' AND coalesce(owner, '') <> ALL($2::text[])
          AND NOT has_sequence_privilege($1, oid, 'USAGE')`,
      [SERVICE_ROLE, NOT_FOR_SERVICES],
    );
    expect(sequences.rows).toEqual([]);
  });
});

describe('connected as the services’ login', () => {
  const append = (id: string) =>
    `INSERT INTO events (stream_id, stream_type, stream_version, event_id, event_type, data)
     VALUES ('probe:${id}', 'probe', 1, 'evt_${id}', 'Probed', '{}')`;

  it('reads and appends events', async () => {
    const id = randomBytes(6).toString('hex');
    await service.query(append(id));
    const { rows } = await service.query('SELECT event_type FROM events WHERE stream_id = $1', [`probe:${id}`]);
    expect(rows).toEqual([{ event_type: 'Probed' }]);
    expect((await service.query('SELECT current_user AS role')).rows).toEqual([{ role: TEST_SERVICE_LOGIN }]);
  });

  it.each([
    ['UPDATE', `UPDATE events SET data = '{"changed":true}'`],
    ['DELETE', 'DELETE FROM events'],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('may not %s events: its privileges refuse it, before the append-only trigger would', async (_op, sql) => {
    await service.query(append(randomBytes(6).toString('hex')));
    expect(await refusal(sql)).toEqual({ code: '42501', message: 'permission denied for table events' });
  });

  it.each([
    ['CREATE TABLE', 'CREATE TABLE payments_shadow (id text)', /^permission denied for schema public$/],
    ['DROP TABLE', 'DROP TABLE events', /^must be owner of table events$/],
    ['ALTER TABLE', 'ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete', /^must be owner of table events$/],
    ['DROP TRIGGER', 'DROP TRIGGER events_no_update_or_delete ON events', /^must be owner of relation events$/],
    ['CREATE INDEX', 'CREATE INDEX events_shadow ON events (event_type)', /^must be owner of table events$/],
    ['DROP TABLE (a read model)', 'DROP TABLE charge_list_view', /^must be owner of table charge_list_view$/],
    ['TRUNCATE (a read model)', 'TRUNCATE charge_list_view', /^permission denied for table charge_list_view$/],
    ['CREATE FUNCTION', 'CREATE FUNCTION shadow() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$', /^permission denied/],
  ])('may not change the schema: %s', async (_what, sql, message) => {
    const refused = await refusal(sql);
    expect(refused.code).toBe('42501');
    expect(refused.message).toMatch(message);
  });
});

describe('the role itself (cluster-wide)', () => {
  /** The DO block of the event store's migration that makes the role, for a role of another name. */
  const roleBlock = (role: string) => {
    const migration = readFileSync(join(EVENT_STORE_MIGRATIONS, '0100_event_store.sql'), 'utf8');
    const block = /DO \$\$\nBEGIN\n {2}IF NOT EXISTS \(SELECT 1 FROM pg_roles[\s\S]*?\n\$\$;/.exec(migration)?.[0];
    if (!block) throw new Error('0100_event_store.sql: the DO block that makes payment_ledger_service is not found');
    return block.replaceAll(SERVICE_ROLE, role);
  };

  it('is made once when migrations of several databases make it at the same moment', async () => {
    const role = `pl_race_${randomBytes(5).toString('hex')}`;
    const sessions = await Promise.all([1, 2, 3, 4].map(() => db.pool.connect()));
    try {
      // Each in a transaction that commits once its block is done: the first to insert the role makes the others
      // wait on its row, which then exists for them (a unique violation, had the block not expected it).
      await Promise.all(sessions.map((s) => s.query('BEGIN')));
      const made = await Promise.allSettled(
        sessions.map((s) => s.query(roleBlock(role)).then(() => s.query('COMMIT'))),
      );
      await Promise.all(sessions.map((s) => s.query('ROLLBACK'))); // ends those that failed
      expect(made.flatMap((m) => (m.status === 'rejected' ? [String(m.reason)] : []))).toEqual([]);
      const { rows } = await sessions[0].query('SELECT count(*)::int AS n FROM pg_roles WHERE rolname = $1', [role]);
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await sessions[0].query(`DROP ROLE IF EXISTS ${role}`);
      for (const s of sessions) s.release();
    }
  });

  it('stops a migration role that may not create it with what an administrator must run', async () => {
    const role = `pl_missing_${randomBytes(5).toString('hex')}`;
    const session = await db.pool.connect();
    try {
      await session.query('BEGIN');
      await session.query(`SET LOCAL ROLE ${TEST_SERVICE_LOGIN}`); // no CREATEROLE
      const error = await session.query(roleBlock(role)).then(
        () => undefined,
        (e: { message: string; hint?: string }) => e,
      );
      expect(error?.message).toBe(`the role ${role} does not exist and ${TEST_SERVICE_LOGIN} may not create it`);
      expect(error?.hint).toContain(`CREATE ROLE ${role} NOLOGIN`);
    } finally {
      await session.query('ROLLBACK');
      session.release();
    }
  });
});

describe('every service on the restricted login', () => {
  let stack: PaymentStack | undefined;
  afterAll(() => stack?.stop());

  it('runs charges, agreements, the scheduler and the gateway through payments, lists and housekeeping', async () => {
    stack = await new PaymentStack(db).start();
    // Made as `npm run merchant:create` makes it in the local stack: on the services' login.
    const { apiKey } = await createMerchant(service, 'Least Privilege Books', 'SANDBOX');
    const api = apiClient(stack.baseUrl, apiKey);

    // The stack's own connections (every service's pool) log in as the services' login, none as the owner.
    const { rows: logins } = await db.pool.query<{ service: string; login: string }>(
      `SELECT DISTINCT application_name AS service, usename AS login FROM pg_stat_activity
        WHERE datname = current_database() AND application_name <> '' ORDER BY 1`,
    );
    expect(logins.filter((c) => c.login !== TEST_SERVICE_LOGIN)).toEqual([]);
    expect(logins.map((c) => c.service)).toEqual(
      expect.arrayContaining(['agreements', 'charges', 'gateway', 'scheduler']),
    );

    // A one-time charge: created (idempotently), approved on the hosted page, captured, listed.
    const created = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': 'lp-1' });
    expect(created.status).toBe(201);
    const replay = await api('POST', '/v1/payment-charges', SEED_001_CHARGE, { 'Request-Idempotency-Key': 'lp-1' });
    expect(replay.body.id).toBe(created.body.id);
    const token = (charge: { authenticationMethods: { details: { requestUrl: string } }[] }) =>
      new URL(charge.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
    await stack.charges
      .get(CompleteCheckoutHandler)
      .complete({ chargeId: created.body.id, token: token(created.body), decision: 'APPROVE', correlationId: 'lp' });
    expect((await api('GET', `/v1/payment-charges/${created.body.id}`)).body.status).toBe('CAPTURED');
    await waitFor('the charge list to show it captured', async () => {
      const list = (await api('GET', '/v1/payment-charges')).body;
      return list.data?.some(
        (c: { id: string; status: string }) => c.id === created.body.id && c.status === 'CAPTURED',
      );
    });

    // An agreement with an initial charge, consented to; the scheduler bills its first period; timers run.
    const agreement = (
      await api('POST', '/v1/payment-agreements', {
        ...SEED_001_AGREEMENT,
        initialPaymentCharge: undefined,
        startDate: stack.clock.now().toISOString(),
        frequency: { type: 'MONTHLY', interval: 1 },
        amount: { value: 1500, currency: 'USD' },
        amountType: 'EXACT',
      })
    ).body;
    await stack.agreements.get(CompleteAgreementCheckoutHandler).complete({
      agreementId: agreement.id,
      token: token(agreement),
      decision: 'APPROVE',
      correlationId: 'lp',
    });
    await waitFor('the scheduler to bill the first period', async () => {
      await stack!.runDueBilling();
      const list = (await api('GET', `/v1/payment-charges?agreementId=${agreement.id}`)).body;
      return list.data?.length === 1 && list.data[0].status === 'CAPTURED';
    });
    await stack.runDueTimers();
    const revoked = await api('POST', `/v1/payment-agreements/${agreement.id}/revocations`, {});
    expect(revoked.status).toBeLessThan(300);

    // A month and more later, housekeeping purges expired idempotency records and old inbox rows.
    const count = async (table: string) =>
      (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    expect(await count('idempotency_keys')).toBeGreaterThan(0);
    expect(await count('inbox')).toBeGreaterThan(0);
    // (inbox rows are stamped by the database's clock, not the stack's manual one; events of the revocation may
    // still be consumed while the purge runs, so only the rows written until now must go)
    const { rows: stamp } = await db.pool.query<{ at: Date }>('SELECT clock_timestamp() AS at');
    stack.clock.advanceBy(Math.max(0, Date.now() - stack.clock.now().getTime()) + 45 * 24 * 3_600_000);
    for (const app of [stack.gateway, stack.charges, stack.agreements, ...stack.schedulers]) {
      await app.get(HousekeepingWorker).runDue();
    }
    expect(await count('idempotency_keys')).toBe(0);
    const { rows: left } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM inbox WHERE processed_at <= $1',
      [stamp[0].at],
    );
    expect(left[0].n).toBe(0);
  });
});
