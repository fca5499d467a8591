import type { Repository } from 'typeorm';
import { listPage } from './list-page';

interface Row {
  chargeId: string;
  merchantId: string;
  status: string;
  agreementId: string | null;
  state: unknown;
}

/** A repository that records the find options and answers no rows. */
function recordingRepository() {
  const finds: Record<string, unknown>[] = [];
  const repository = {
    metadata: { tableName: 'charge_list_view' },
    find: async (options: Record<string, unknown>) => {
      finds.push(options);
      return [];
    },
  } as unknown as Repository<Row>;
  return { repository, finds };
}

describe('listPage (tenant-scoped by construction)', () => {
  it('always filters by the tenant, first; leaves out empty filters; pages by the id, newest first', async () => {
    const { repository, finds } = recordingRepository();
    await listPage(repository, {
      idProperty: 'chargeId',
      tenant: { property: 'merchantId', id: 'merchant_1' },
      where: { status: undefined, agreementId: '', merchantId: 'merchant_2' },
      limit: 10,
    });
    expect(finds[0]).toEqual({
      select: { state: true },
      where: { merchantId: 'merchant_1' },
      order: { chargeId: 'DESC' },
      take: 11,
    });
    expect(Object.keys(finds[0].where as object)[0]).toBe('merchantId');
  });

  it('adds the filters given and the cursor', async () => {
    const { repository, finds } = recordingRepository();
    await listPage(repository, {
      idProperty: 'chargeId',
      tenant: { property: 'merchantId', id: 'merchant_1' },
      where: { status: 'Captured' },
      limit: 2,
      startingAfter: 'chg_9',
    });
    const where = finds[0].where as Record<string, unknown>;
    expect(Object.keys(where)).toEqual(['merchantId', 'status', 'chargeId']);
    expect(where.status).toBe('Captured');
    expect(where.chargeId).toMatchObject({ type: 'lessThan', value: 'chg_9' });
  });

  it.each([[''], ['  '], [null], [undefined]])('refuses to list for tenant %p (never "every merchant")', async (id) => {
    const { repository, finds } = recordingRepository();
    await expect(
      listPage(repository, {
        idProperty: 'chargeId',
        tenant: { property: 'merchantId', id: id as string },
        where: {},
        limit: 10,
      }),
    ).rejects.toThrow('merchantId is required');
    expect(finds).toEqual([]);
  });
});
