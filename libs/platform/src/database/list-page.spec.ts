import type { Pool } from 'pg';
import { listPage } from './list-page';

/** A pool that records the statement and answers no rows. */
function recordingPool() {
  const queries: { text: string; params: unknown[] }[] = [];
  const pool = {
    query: async (text: string, params: unknown[]) => {
      queries.push({ text, params });
      return { rows: [] };
    },
  } as unknown as Pool;
  return { pool, queries };
}

describe('listPage (tenant-scoped by construction)', () => {
  it('always filters by the tenant column, first', async () => {
    const { pool, queries } = recordingPool();
    await listPage(pool, {
      table: 'charge_list_view',
      idColumn: 'charge_id',
      tenant: { column: 'merchant_id', id: 'merchant_1' },
      where: { status: undefined, agreement_id: '' },
      limit: 10,
    });
    expect(queries[0].text).toMatch(/WHERE merchant_id = \$1\s/);
    expect(queries[0].params).toEqual(['merchant_1', 11]);
  });

  it.each([[''], ['  '], [null], [undefined]])('refuses to list for tenant %p (never "every merchant")', async (id) => {
    const { pool, queries } = recordingPool();
    await expect(
      listPage(pool, {
        table: 'charge_list_view',
        idColumn: 'charge_id',
        tenant: { column: 'merchant_id', id: id as string },
        where: {},
        limit: 10,
      }),
    ).rejects.toThrow('merchant_id is required');
    expect(queries).toEqual([]);
  });
});
