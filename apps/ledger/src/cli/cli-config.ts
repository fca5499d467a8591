import { type ConfigSchema, infrastructureConfigSchema, loadConfig, type ConfigOf } from '@payment-ledger/platform';
import type { CliIo } from './cli-io';

/**
 * The settings the CLI reads, each command only those it needs (`export` needs no Kafka), validated by the
 * platform's loadConfig: the same variables, and the same checks, as the services'.
 */
export const cliDatabaseConfigSchema = {
  // The database: for `rebuild` and `verify`, its tables' owner (the migration role), since they make and swap tables.
  // (Its meaning in docs/configuration.md is the platform's.)
  DATABASE_URL: infrastructureConfigSchema.DATABASE_URL,
} satisfies ConfigSchema;

export const cliKafkaConfigSchema = {
  KAFKA_BROKERS: infrastructureConfigSchema.KAFKA_BROKERS,
  // Expands a short topic (`charge`) and group name into the deployment's: `<namespace>.charge.v1`.
  KAFKA_TOPIC_NAMESPACE: infrastructureConfigSchema.KAFKA_TOPIC_NAMESPACE,
} satisfies ConfigSchema;

/** A command's settings from the run's environment; a missing or bad one is a ConfigError (exit 2). */
export function cliConfig<S extends ConfigSchema>(schema: S, io: CliIo): ConfigOf<S> {
  return io.env ? loadConfig(schema, io.env) : loadConfig(schema);
}
