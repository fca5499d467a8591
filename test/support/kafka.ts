import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A topic namespace of its own per test, so tests never see each other's messages: `t<run><random>`, where `<run>`
 * is the jest run's (set by the global setup), so the global teardown deletes the run's topics and consumer groups
 * and a long-lived broker does not pile up thousands of them (every restart loads them all).
 */
export function testNamespace(): string {
  return `${testRunTopicPrefix()}${randomBytes(3).toString('hex')}`;
}

/** The prefix of every topic and consumer group of this jest run. */
export function testRunTopicPrefix(): string {
  return `t${process.env.PAYMENT_LEDGER_TEST_RUN ?? '0000'}`;
}

export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set (the integration global setup sets it)');
  return brokers.split(',');
}

export function testKafka(clientId = 'payment-ledger-test', brokers = kafkaBrokers()): Kafka {
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 3000 },
  });
}
