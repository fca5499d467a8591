/**
 * Found by the fault suite (issue 19): PostgreSQL restarted under load ended the charges and webhooks services, each
 * with an unhandled 'error' event (57P01, "terminating connection due to administrator command") from a pool client
 * that was checked out and between statements when the server ended its session.
 */
import { Pool } from 'pg';
import { TestDatabase } from '../../../../test/support/test-database';
import { waitFor } from '../../../../test/support/wait';
import { guardPoolClients } from './pool-client-errors';

let db: TestDatabase;
beforeAll(async () => {
  db = await TestDatabase.create({ poolSize: 2 });
});
afterAll(async () => {
  await db?.drop();
});

it('a checked-out connection the server ends between statements is reported, not thrown, and then discarded', async () => {
  const errors: Error[] = [];
  const pool = guardPoolClients(new Pool({ connectionString: db.url, max: 2 }), (error) => errors.push(error));
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    await client.query('BEGIN');
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // Held between two statements of a transaction, as a command's session is, when its backend is ended.
    await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
    await waitFor('the client to report its session ended', () => errors.length > 0, 10_000);
    expect(errors[0]).toMatchObject({ code: '57P01' });
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    // The pool discarded it: the next statement gets a live connection.
    expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0].one).toBe(1);
    // A client checked out again gets no second listener.
    const again = await pool.connect();
    expect(again.listenerCount('error')).toBe(1);
    again.release();
  } finally {
    await pool.end();
  }
});
