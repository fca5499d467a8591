/**
 * The messaging tables as TypeORM entities, on real PostgreSQL: each entity is its migrated table (the xid8 column
 * declared text being the one listed exception), a checkpoint saved through the repository is an xid8 the SQL reads
 * back, and what readLogCheckpoint / saveLogCheckpoint and the inbox's SQL write reads back through the repositories.
 */
import type { DataSource } from 'typeorm';
import { LOG_START } from '@payment-ledger/event-store';
import { entityAndTableColumns, entityDataSource } from '../../../test/support/entity-schema';
import { TestDatabase } from '../../../test/support/test-database';
import { listLogCheckpoints, logCheckpoint, readLogCheckpoint, saveLogCheckpoint } from './log-checkpoints';
import { InboxEntity, MESSAGING_ENTITIES, RelayCheckpointEntity } from './messaging.entities';

let db: TestDatabase;
let dataSource: DataSource;

beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 2 });
  dataSource = await entityDataSource(db.url, MESSAGING_ENTITIES);
});
afterAll(async () => {
  await dataSource?.destroy();
  await db?.drop();
});

it.each(MESSAGING_ENTITIES)('%p is its migrated table', async (entity) => {
  const { entity: columns, table } = await entityAndTableColumns(dataSource, entity);
  expect(columns).toEqual(table);
});

it('relay_checkpoints.transaction_id is xid8 in the table and text on the entity: the one difference allowed', async () => {
  const { table } = await entityAndTableColumns(dataSource, RelayCheckpointEntity);
  expect(table.find((c) => c.name === 'transaction_id')?.type).toBe('xid8');
  expect(dataSource.getMetadata(RelayCheckpointEntity).findColumnWithDatabaseName('transaction_id')?.type).toBe('text');
});

describe('relay_checkpoints through RelayCheckpointEntity', () => {
  const repository = () => dataSource.getRepository(RelayCheckpointEntity);

  it('a checkpoint saved through the repository is stored as xid8 and read back by the SQL and the repository', async () => {
    // Beyond 2^32 and 2^53: an xid8 kept exactly as its decimal string.
    const transactionId = '18446744073709551000';
    await repository().save({ relayName: 'repo.saved', transactionId, globalPosition: '42' });
    await repository().save({ relayName: 'repo.saved', transactionId, globalPosition: '43' });

    const { rows } = await db.pool.query<{ type: string; text: string; later: boolean }>(
      `SELECT pg_typeof(transaction_id)::text AS type, transaction_id::text AS text,
              transaction_id > '4294967296'::xid8 AS later
         FROM relay_checkpoints WHERE relay_name = 'repo.saved'`,
    );
    expect(rows).toEqual([{ type: 'xid8', text: transactionId, later: true }]);
    expect(await readLogCheckpoint(db.pool, 'repo.saved')).toEqual({ transactionId, globalPosition: 43 });
    expect(await repository().findOneByOrFail({ relayName: 'repo.saved' })).toEqual({
      relayName: 'repo.saved',
      transactionId,
      globalPosition: '43',
      updatedAt: expect.any(Date),
    });
  });

  it("the value goes through xid8's input, not stored as text (which, before PostgreSQL 16, reads garbage as 0)", async () => {
    await repository().save({ relayName: 'repo.bad', transactionId: 'not-a-number', globalPosition: '1' });
    expect((await repository().findOneByOrFail({ relayName: 'repo.bad' })).transactionId).toMatch(/^\d+$/);
  });

  it('listLogCheckpoints and logCheckpoint read what saveLogCheckpoint wrote', async () => {
    const client = await db.pool.connect();
    try {
      await saveLogCheckpoint(client, 'charges.list-view', { transactionId: '1234', globalPosition: 7 });
      await saveLogCheckpoint(client, 'charges.list-view#rebuild-1', LOG_START);
      await saveLogCheckpoint(client, 'agreements.list-view', { transactionId: '99', globalPosition: 3 });
    } finally {
      client.release();
    }
    const listed = await listLogCheckpoints(repository(), 'charges.');
    expect(listed.map(({ name, cursor }) => ({ name, cursor }))).toEqual([
      { name: 'charges.list-view', cursor: { transactionId: '1234', globalPosition: 7 } },
      { name: 'charges.list-view#rebuild-1', cursor: LOG_START },
    ]);
    expect(listed[0].updatedAt).toBeInstanceOf(Date);
    expect((await listLogCheckpoints(repository())).map((c) => c.name)).toContain('agreements.list-view');
    expect(await logCheckpoint(repository(), 'agreements.list-view')).toMatchObject({
      cursor: { transactionId: '99', globalPosition: 3 },
    });
    expect(await logCheckpoint(repository(), 'nobody')).toBeNull();
  });
});

describe('inbox through InboxEntity', () => {
  it('reads what the consumer SQL wrote, and saves a row with its defaults', async () => {
    await db.pool.query(`INSERT INTO inbox (consumer, event_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`, [
      'c1',
      ['e1', 'e2'],
    ]);
    await db.pool.query(`INSERT INTO inbox (consumer, event_id, outcome) VALUES ($1, $2, 'dead_lettered')`, [
      'c1',
      'e3',
    ]);
    const repository = dataSource.getRepository(InboxEntity);
    await repository.save({ consumer: 'c2', eventId: 'e1' });
    expect(
      (await repository.find({ order: { consumer: 'ASC', eventId: 'ASC' } })).map(({ consumer, eventId, outcome }) => ({
        consumer,
        eventId,
        outcome,
      })),
    ).toEqual([
      { consumer: 'c1', eventId: 'e1', outcome: 'processed' },
      { consumer: 'c1', eventId: 'e2', outcome: 'processed' },
      { consumer: 'c1', eventId: 'e3', outcome: 'dead_lettered' },
      { consumer: 'c2', eventId: 'e1', outcome: 'processed' },
    ]);
    expect((await repository.findOneByOrFail({ consumer: 'c2', eventId: 'e1' })).processedAt).toBeInstanceOf(Date);
  });
});
