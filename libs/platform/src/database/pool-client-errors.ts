import type { Pool, PoolClient } from 'pg';

/**
 * Keeps a connection the server ends while it is checked out of `pool` from ending the process.
 *
 * When PostgreSQL restarts (or a backend is terminated), every session gets a FATAL error (57P01), and a pg client
 * that is not running a query at that moment — held between the statements of a transaction, say — emits it as an
 * 'error' event. pg-pool listens for that only on idle clients; an 'error' event nobody listens for throws, and the
 * service exits. Here every client of the pool gets a listener once, when it is made or first checked out: the
 * error is passed to `onError`, the client is no longer queryable, so the statement that uses it next fails (a
 * command's usual failure, retried by its caller) and the pool discards it when it is released.
 */
export function guardPoolClients(pool: Pool, onError: (error: Error) => void): Pool {
  const guarded = new WeakSet<PoolClient>();
  const guard = (client: PoolClient) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', onError);
  };
  pool.on('connect', guard);
  pool.on('acquire', guard);
  return pool;
}
