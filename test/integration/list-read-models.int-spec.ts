/**
 * The list read models as TypeORM entities, on real PostgreSQL: each entity is its migrated table, and listPage
 * through the entity's repository reads what the projections' SQL wrote, one tenant's rows only, newest first, with
 * its filters and cursor pagination.
 */
import { listPage } from '@payment-ledger/platform';
import type { DataSource } from 'typeorm';
import { AgreementListViewEntity } from '../../apps/agreements/src/infrastructure/agreement-list-view.entity';
import { ChargeListViewEntity } from '../../apps/charges/src/infrastructure/charge-list-view.entity';
import { entityAndTableColumns, entityDataSource } from '../support/entity-schema';
import { TestDatabase } from '../support/test-database';

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 2 });
  dataSource = await entityDataSource(db.url, [ChargeListViewEntity, AgreementListViewEntity]);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

it.each([ChargeListViewEntity, AgreementListViewEntity])('%p is its migrated table', async (entity) => {
  const { entity: columns, table } = await entityAndTableColumns(dataSource, entity);
  expect(columns).toEqual(table);
});

/** Rows as the projection writes them: one `INSERT … SELECT FROM unnest(…)`. */
async function writeCharges(rows: { id: string; merchant: string; status: string; agreement?: string }[]) {
  await db.pool.query(
    `INSERT INTO charge_list_view (charge_id, stream_version, state, merchant_id, status,
                                   merchant_payment_charge_reference, agreement_id, created_at, updated_at)
     SELECT * FROM unnest($1::text[], $2::integer[], $3::jsonb[], $4::text[], $5::text[], $6::text[], $7::text[],
                          $8::timestamptz[], $8::timestamptz[])`,
    [
      rows.map((r) => r.id),
      rows.map(() => 1),
      rows.map((r) => JSON.stringify({ id: r.id, status: r.status })),
      rows.map((r) => r.merchant),
      rows.map((r) => r.status),
      rows.map((r) => `ref-${r.id}`),
      rows.map((r) => r.agreement ?? null),
      rows.map(() => new Date('2026-03-01T00:00:00.000Z')),
    ],
  );
}

describe('charge_list_view through ChargeListViewEntity', () => {
  beforeAll(() =>
    writeCharges([
      { id: 'chg_1', merchant: 'm1', status: 'CAPTURED' },
      { id: 'chg_2', merchant: 'm1', status: 'FAILED', agreement: 'agr_1' },
      { id: 'chg_3', merchant: 'm2', status: 'CAPTURED' },
      { id: 'chg_4', merchant: 'm1', status: 'CAPTURED', agreement: 'agr_1' },
      { id: 'chg_5', merchant: 'm1', status: 'CAPTURED' },
    ]),
  );
  const repository = () => dataSource.getRepository(ChargeListViewEntity);
  const page = (where: Record<string, string | undefined>, limit: number, startingAfter?: string, merchant = 'm1') =>
    listPage(repository(), {
      idProperty: 'chargeId',
      tenant: { property: 'merchantId', id: merchant },
      where,
      limit,
      startingAfter,
    });
  const ids = (p: { states: unknown[] }) => p.states.map((s) => (s as { id: string }).id);

  it('reads the rows the SQL wrote, as written', async () => {
    expect(await repository().findOneBy({ chargeId: 'chg_2' })).toEqual({
      chargeId: 'chg_2',
      merchantId: 'm1',
      status: 'FAILED',
      merchantPaymentChargeReference: 'ref-chg_2',
      agreementId: 'agr_1',
      streamVersion: 1,
      state: { id: 'chg_2', status: 'FAILED' },
      createdAt: new Date('2026-03-01T00:00:00.000Z'),
      updatedAt: new Date('2026-03-01T00:00:00.000Z'),
    });
  });

  it("pages one merchant's rows newest first, by cursor", async () => {
    const first = await page({}, 2);
    expect([ids(first), first.hasMore]).toEqual([['chg_5', 'chg_4'], true]);
    const second = await page({}, 2, 'chg_4');
    expect([ids(second), second.hasMore]).toEqual([['chg_2', 'chg_1'], false]);
    expect(ids(await page({}, 10, undefined, 'm2'))).toEqual(['chg_3']);
  });

  it('filters by the given columns only', async () => {
    expect(ids(await page({ status: 'CAPTURED', agreementId: undefined }, 10))).toEqual(['chg_5', 'chg_4', 'chg_1']);
    expect(ids(await page({ agreementId: 'agr_1', status: '' }, 10))).toEqual(['chg_4', 'chg_2']);
    expect(ids(await page({ merchantPaymentChargeReference: 'ref-chg_1' }, 10))).toEqual(['chg_1']);
  });
});

describe('agreement_list_view through AgreementListViewEntity', () => {
  it('reads and pages the rows the SQL wrote', async () => {
    await db.pool.query(
      `INSERT INTO agreement_list_view (agreement_id, stream_version, state, merchant_id, status,
                                        merchant_payment_agreement_reference, created_at, updated_at)
       SELECT * FROM unnest($1::text[], $2::integer[], $3::jsonb[], $4::text[], $5::text[], $6::text[],
                            $7::timestamptz[], $7::timestamptz[])`,
      [
        ['agr_1', 'agr_2', 'agr_3'],
        [1, 2, 3],
        ['agr_1', 'agr_2', 'agr_3'].map((id) => JSON.stringify({ id })),
        ['m1', 'm1', 'm2'],
        ['ACTIVE', 'REVOKED', 'ACTIVE'],
        [null, 'ref-2', null],
        [
          new Date('2026-03-01T00:00:00.000Z'),
          new Date('2026-03-01T00:00:00.000Z'),
          new Date('2026-03-01T00:00:00.000Z'),
        ],
      ],
    );
    const repository = dataSource.getRepository(AgreementListViewEntity);
    expect(await repository.findOneBy({ agreementId: 'agr_2' })).toMatchObject({
      merchantId: 'm1',
      status: 'REVOKED',
      merchantPaymentAgreementReference: 'ref-2',
      streamVersion: 2,
      state: { id: 'agr_2' },
    });
    const list = (where: Record<string, string | undefined>, limit: number, startingAfter?: string) =>
      listPage(repository, {
        idProperty: 'agreementId',
        tenant: { property: 'merchantId', id: 'm1' },
        where,
        limit,
        startingAfter,
      });
    expect(await list({}, 1)).toEqual({ states: [{ id: 'agr_2' }], hasMore: true });
    expect(await list({}, 1, 'agr_2')).toEqual({ states: [{ id: 'agr_1' }], hasMore: false });
    expect(await list({ status: 'ACTIVE' }, 10)).toEqual({ states: [{ id: 'agr_1' }], hasMore: false });
  });
});
