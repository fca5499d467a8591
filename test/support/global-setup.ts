import { resolveInfrastructure } from './infrastructure';

export default async function globalSetup(): Promise<void> {
  const infrastructure = await resolveInfrastructure();
  process.env.DATABASE_URL = infrastructure.databaseUrl;
  process.env.KAFKA_BROKERS = infrastructure.kafkaBrokers;
  (globalThis as { __INFRASTRUCTURE__?: unknown }).__INFRASTRUCTURE__ = infrastructure;
}
