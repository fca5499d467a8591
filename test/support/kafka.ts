import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

/** A topic namespace of its own per test, so tests never see each other's messages. */
export function testNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
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
