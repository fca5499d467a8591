import { randomBytes } from 'node:crypto';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { testKafka } from './kafka';

export interface Collected {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** Reads topics from the beginning into memory, as an independent observer of what was published. */
export class TopicCollector {
  readonly received: Collected[] = [];
  private consumer?: Consumer;

  async start(topics: string[], brokers?: string[]): Promise<this> {
    this.consumer = testKafka('collector', brokers).consumer({
      groupId: `collector-${randomBytes(4).toString('hex')}`,
      sessionTimeout: 6000,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.received.push({ topic, partition, message });
      },
    });
    return this;
  }

  header(entry: Collected, name: string): string | undefined {
    return entry.message.headers?.[name]?.toString();
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
