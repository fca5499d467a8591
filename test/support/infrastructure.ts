import { execFileSync } from 'node:child_process';

/**
 * Where the integration tests find PostgreSQL and Kafka:
 *  1. DATABASE_URL and KAFKA_BROKERS from the environment when both are set (the README's test command sets them
 *     from what `npm run infra:up` started);
 *  2. otherwise Testcontainers, when a Docker engine answers;
 *  3. otherwise a clear failure that says what to run.
 */
export interface Infrastructure {
  databaseUrl: string;
  kafkaBrokers: string;
  stop(): Promise<void>;
}

export function dockerEngineAvailable(): boolean {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

export async function resolveInfrastructure(env: NodeJS.ProcessEnv = process.env): Promise<Infrastructure> {
  if (env.DATABASE_URL && env.KAFKA_BROKERS) {
    return { databaseUrl: env.DATABASE_URL, kafkaBrokers: env.KAFKA_BROKERS, stop: async () => undefined };
  }
  if (dockerEngineAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const [postgres, kafka] = await Promise.all([
      new PostgreSqlContainer('postgres:15').start(),
      new KafkaContainer('confluentinc/cp-kafka:7.7.1').withKraft().start(),
    ]);
    return {
      databaseUrl: postgres.getConnectionUri(),
      kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
      stop: async () => {
        await Promise.all([postgres.stop(), kafka.stop()]);
      },
    };
  }
  throw new Error(
    'Integration tests need PostgreSQL and Kafka: DATABASE_URL and KAFKA_BROKERS are not set and no Docker engine ' +
      'is available for Testcontainers. Run `npm run infra:up` (it starts local servers and prints both variables), ' +
      'or use `npm test`, which does that for you.',
  );
}
