import { randomBytes } from 'node:crypto';
import { resolveInfrastructure } from './infrastructure';

export default async function globalSetup(): Promise<void> {
  const infrastructure = await resolveInfrastructure();
  process.env.DATABASE_URL = infrastructure.databaseUrl;
  process.env.KAFKA_BROKERS = infrastructure.kafkaBrokers;
  // Names this run's Kafka topics and consumer groups (see testNamespace), for the global teardown to delete.
  process.env.PAYMENT_LEDGER_TEST_RUN = randomBytes(2).toString('hex');
  (globalThis as { __INFRASTRUCTURE__?: unknown }).__INFRASTRUCTURE__ = infrastructure;
}
