import type { INestApplicationContext, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { EntitySchema } from 'typeorm';
import { infrastructureConfigSchema, InfrastructureModule, loadConfig } from '@payment-ledger/platform';
import type { TestDatabase } from './test-database';

/**
 * A Nest context with the shared data layer (the service's TypeORM DataSource and its one pool) on a test database,
 * the given entities registered, and the given repositories to test: a repository test without the whole service.
 */
export async function dataLayerContext(
  db: TestDatabase,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- entity classes, as forFeature takes them
  entities: (Function | EntitySchema)[],
  providers: Provider[],
  poolSize = 2,
): Promise<INestApplicationContext> {
  const config = loadConfig(infrastructureConfigSchema, {
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: String(poolSize),
    KAFKA_BROKERS: '127.0.0.1:9092',
    LOG_LEVEL: 'error',
  });
  const moduleRef = await Test.createTestingModule({
    imports: [InfrastructureModule.forRoot({ service: 'data-layer-test', config }), TypeOrmModule.forFeature(entities)],
    providers,
  }).compile();
  return moduleRef.init();
}
