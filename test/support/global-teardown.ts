// Relative: jest loads the global setup and teardown without the projects' module name mapper.
import { deleteTopicsAndGroups } from '../../libs/messaging/src/topics';
import type { Infrastructure } from './infrastructure';
import { testKafka, testRunTopicPrefix } from './kafka';

export default async function globalTeardown(): Promise<void> {
  await deleteRunTopics().catch((error) => console.warn(`could not delete this run's Kafka topics: ${error}`));
  await (globalThis as { __INFRASTRUCTURE__?: Infrastructure }).__INFRASTRUCTURE__?.stop();
}

/** The topics and consumer groups this run's tests made (their namespaces start with the run's prefix). */
async function deleteRunTopics(): Promise<void> {
  if (!process.env.PAYMENT_LEDGER_TEST_RUN || !process.env.KAFKA_BROKERS) return;
  const admin = testKafka('payment-ledger-test-teardown').admin();
  await admin.connect();
  try {
    await deleteTopicsAndGroups(admin, testRunTopicPrefix());
  } finally {
    await admin.disconnect();
  }
}
