/*
 * Rebuilds a projection from position 0 into a fresh table and swaps it in, while the services run:
 * `npm run projections:rebuild -- charges.list-view`. DATABASE_URL must be the tables' owner (the migration role):
 * the swap drops and renames tables. See rebuildProjection in libs/messaging.
 */
import { Pool } from 'pg';
import { PostgresEventStore } from '@payment-ledger/event-store';
import { type Projection, rebuildProjection } from '@payment-ledger/messaging';
import { env, JsonLogger, loadConfig } from '@payment-ledger/platform';
import { AgreementListProjection } from '../apps/agreements/src/infrastructure/agreement-list.projection';
import { ChargeListProjection } from '../apps/charges/src/infrastructure/charge-list.projection';

/** Every projection a service runs, by its checkpoint's name. */
const PROJECTIONS: Record<string, (store: PostgresEventStore) => Projection> = {
  'charges.list-view': (store) => new ChargeListProjection(store),
  'agreements.list-view': (store) => new AgreementListProjection(store),
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const make = name ? PROJECTIONS[name] : undefined;
  if (!make) throw new Error(`usage: npm run projections:rebuild -- <${Object.keys(PROJECTIONS).join('|')}>`);
  const config = loadConfig({
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    PROJECTION_REBUILD_BATCH_SIZE: env.int({ default: 1000, min: 1, max: 100_000 }),
  });
  const pool = new Pool({ connectionString: config.DATABASE_URL, max: 2 });
  try {
    const store = new PostgresEventStore(pool);
    const logger = new JsonLogger('projections', 'info');
    const result = await rebuildProjection(pool, store, make(store), {
      batchSize: config.PROJECTION_REBUILD_BATCH_SIZE,
      logger,
    });
    logger.event('info', 'projection.rebuild_done', { ...result });
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
