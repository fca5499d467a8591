import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { JsonLogger } from '@payment-ledger/platform';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
}

/** A kafkajs client whose own logs go through our JSON logger. */
export function createKafka(settings: KafkaSettings, logger?: JsonLogger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log, namespace }: LogEntry) => {
        if (!logger) return;
        // kafkajs' `correlationId` numbers its protocol requests: renamed, so it cannot stand for the work's own.
        const { message, correlationId: kafkaRequestId, timestamp: _timestamp, ...rest } = log;
        logger.event(level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'debug', String(message), {
          component: `kafkajs.${namespace}`,
          ...rest,
          ...(kafkaRequestId === undefined ? {} : { kafkaRequestId }),
        });
      },
  });
}
