/*
 * Rebuilds a projection from position 0 into a fresh table and swaps it in, while the services run:
 * `npm run projections:rebuild -- charges.list-view`. DATABASE_URL must be the tables' owner (the migration role):
 * the swap drops and renames tables. See rebuildProjection in libs/messaging.
 */
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { PostgresEventStore } from '@payment-ledger/event-store';
import {
  listLogCheckpoints,
  type Projection,
  rebuildProjection,
  RelayCheckpointEntity,
} from '@payment-ledger/messaging';
import { env, JsonLogger, loadConfig } from '@payment-ledger/platform';
import { AgreementListProjection } from '../apps/agreements/src/infrastructure/agreement-list.projection';
import { ChargeListProjection } from '../apps/charges/src/infrastructure/charge-list.projection';
import { RefundListProjection } from '../apps/refunds/src/infrastructure/refund-list.projection';
import { MerchantEventLogProjection } from '../apps/webhooks/src/infrastructure/merchant-event-log.projection';

/** Every projection a service runs, by its checkpoint's name. */
const PROJECTIONS: Record<string, (store: PostgresEventStore) => Projection> = {
  'charges.list-view': (store) => new ChargeListProjection(store),
  'agreements.list-view': (store) => new AgreementListProjection(store),
  'refunds.list-view': () => new RefundListProjection(),
  'webhooks.merchant-events': (store) => new MerchantEventLogProjection(store),
};

async function main(): Promise<void> {
  const name = process.argv[2];
  const make = name ? PROJECTIONS[name] : undefined;
  if (!make) throw new Error(`usage: npm run projections:rebuild -- <${Object.keys(PROJECTIONS).join('|')}>`);
  const config = loadConfig({
    DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    PROJECTION_REBUILD_BATCH_SIZE: env.int({ default: 1000, min: 1, max: 100_000 }),
  });
  // A DataSource for the checkpoints' repository; its pg Pool for the rebuild's SQL.
  const dataSource = await new DataSource({
    type: 'postgres',
    url: config.DATABASE_URL,
    poolSize: 2,
    entities: [RelayCheckpointEntity],
    synchronize: false,
    logging: false,
  }).initialize();
  try {
    const pool = (dataSource.driver as PostgresDriver).master as Pool;
    const checkpoints = dataSource.getRepository(RelayCheckpointEntity);
    const store = new PostgresEventStore(pool);
    const logger = new JsonLogger('projections', 'info');
    // Where the projection (and any rebuild of it left behind) stands, before and after.
    const standing = async () => listLogCheckpoints(checkpoints, name);
    logger.event('info', 'projection.checkpoints', { projection: name, checkpoints: await standing() });
    const result = await rebuildProjection(pool, store, make(store), {
      batchSize: config.PROJECTION_REBUILD_BATCH_SIZE,
      logger,
    });
    logger.event('info', 'projection.rebuild_done', { ...result });
    logger.event('info', 'projection.checkpoints', { projection: name, checkpoints: await standing() });
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
