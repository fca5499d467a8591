/**
 * Configuration is read from the environment once, validated at start-up, and injected.
 * Nothing outside this folder reads `process.env`: a missing or bad value stops the process with a message that
 * names the variable.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigField<T> {
  readonly describe: string;
  /** A secret: never a default, never written into a deployment file (only referenced), never logged. */
  readonly secret?: boolean;
  parse(raw: string | undefined, name: string): T;
}

/** The shortest secret a setting takes (256 bits as hex is 64; base64url, 43). */
export const MIN_SECRET_LENGTH = 32;

type Env = Record<string, string | undefined>;

function field<T>(describe: string, parse: (raw: string | undefined, name: string) => T): ConfigField<T> {
  return { describe, parse };
}

function missing(name: string): never {
  throw new Error(`${name} is required`);
}

export const env = {
  /**
   * A secret (a signing key, say): required, at least MIN_SECRET_LENGTH characters. A secret takes no default, since
   * a default is public (`npm run setup` writes random ones to .infra.env).
   */
  secret(): ConfigField<string> {
    return {
      describe: `secret of at least ${MIN_SECRET_LENGTH} characters`,
      secret: true,
      parse(raw, name) {
        const value = raw?.trim() ?? '';
        if (value === '') {
          throw new Error(`${name} is required (a secret has no default; e.g. openssl rand -hex 32)`);
        }
        if (value.length < MIN_SECRET_LENGTH)
          throw new Error(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
        return value;
      },
    };
  },
  string(options: { default?: string } = {}): ConfigField<string> {
    return field('string', (raw, name) => {
      const value = raw === undefined || raw === '' ? options.default : raw;
      return value ?? missing(name);
    });
  },
  optionalString(): ConfigField<string | undefined> {
    return field('string', (raw) => (raw === undefined || raw === '' ? undefined : raw));
  },
  int(options: { default?: number; min?: number; max?: number } = {}): ConfigField<number> {
    return field('integer', (raw, name) => {
      if (raw === undefined || raw === '') return options.default ?? missing(name);
      if (!/^-?\d+$/.test(raw)) throw new Error(`${name} must be an integer, got "${raw}"`);
      const value = Number(raw);
      if (options.min !== undefined && value < options.min) throw new Error(`${name} must be >= ${options.min}`);
      if (options.max !== undefined && value > options.max) throw new Error(`${name} must be <= ${options.max}`);
      return value;
    });
  },
  bool(options: { default?: boolean } = {}): ConfigField<boolean> {
    return field('boolean', (raw, name) => {
      if (raw === undefined || raw === '') return options.default ?? missing(name);
      if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
      if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
      throw new Error(`${name} must be true or false, got "${raw}"`);
    });
  },
  list(options: { default?: string[] } = {}): ConfigField<string[]> {
    return field('comma-separated list', (raw, name) => {
      if (raw === undefined || raw.trim() === '') return options.default ?? missing(name);
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    });
  },
  url(options: { default?: string; protocols?: string[] } = {}): ConfigField<string> {
    return field('URL', (raw, name) => {
      const value = raw === undefined || raw === '' ? (options.default ?? missing(name)) : raw;
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        throw new Error(`${name} must be a URL`);
      }
      if (options.protocols && !options.protocols.includes(parsed.protocol.replace(/:$/, ''))) {
        throw new Error(`${name} must use one of: ${options.protocols.join(', ')}`);
      }
      return value;
    });
  },
  oneOf<T extends string>(values: readonly T[], options: { default?: T } = {}): ConfigField<T> {
    return field(values.join('|'), (raw, name) => {
      const value = raw === undefined || raw === '' ? (options.default ?? missing(name)) : raw;
      if (!values.includes(value as T)) throw new Error(`${name} must be one of ${values.join(', ')}`);
      return value as T;
    });
  },
};

export type ConfigSchema = Record<string, ConfigField<unknown>>;
export type ConfigOf<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends ConfigField<infer T> ? T : never;
};

/** Parses every variable of the schema, collecting all problems before failing. */
export function loadConfig<S extends ConfigSchema>(schema: S, source: Env = process.env): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    try {
      result[name] = spec.parse(source[name], name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as ConfigOf<S>;
}

/** Logging, for every service. */
export const loggingConfigSchema = {
  /** The least severe log lines written (`debug`, `info`, `warn` or `error`). */
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

/** How every service stops. */
export const shutdownConfigSchema = {
  /**
   * How long a service may take to stop after SIGTERM: finish the commands and requests it accepted, commit its
   * consumers' offsets, flush its relay, close its pools. Past it the process exits with code 1. Keep it below the
   * orchestrator's grace period minus the pre-stop pause (Kubernetes: `terminationGracePeriodSeconds` 45 and a
   * 5 s `preStop`).
   */
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 30_000, min: 1_000, max: 600_000 }),
};

/** The infrastructure every service needs. */
export const infrastructureConfigSchema = {
  /**
   * The PostgreSQL database holding the event store, its outbox and the read models
   * (`postgres://user:password@host:5432/db`; a secret when it carries a password).
   */
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  /** Connections in the service's PostgreSQL pool. */
  DATABASE_POOL_SIZE: env.int({ default: 10, min: 1, max: 200 }),
  /**
   * How long a statement waits for a free connection of the pool before it fails. Bounded, so that work holding a
   * connection while it waits for another (a consumer's batch transaction, when the pool is used up) fails and rolls
   * back instead of waiting for ever with its transaction open, which would hold back every reader of the log.
   */
  DATABASE_POOL_WAIT_MS: env.int({ default: 10_000, min: 100, max: 600_000 }),
  /** Kafka bootstrap brokers, comma-separated `host:port`. */
  KAFKA_BROKERS: env.list(),
  /** The client id the service gives Kafka (shows in the broker's logs and quotas). */
  KAFKA_CLIENT_ID: env.string({ default: 'payment-ledger' }),
  /** Prefix of every topic and consumer group: every service of one deployment must use the same. */
  KAFKA_TOPIC_NAMESPACE: env.string({ default: 'payment-ledger' }),
  /** Partitions of the topics the service creates (the most consumers of one group that get work). */
  KAFKA_TOPIC_PARTITIONS: env.int({ default: 6, min: 1, max: 1000 }),
  /** How long before a consumer that stopped heart-beating loses its partitions (the broker's minimum is 6 s). */
  KAFKA_CONSUMER_SESSION_TIMEOUT_MS: env.int({ default: 10_000, min: 6_000, max: 300_000 }),
  /** Partitions a consumer works on at once; order within a partition (one stream) is always kept. */
  KAFKA_CONSUMER_CONCURRENCY: env.int({ default: 3, min: 1, max: 64 }),
  /**
   * How long a consumer's fetch may wait for a batch to fill (up to 256 KB): the longest a read model lags behind
   * a quiet log, and under load the size of its transactions (one per partition's batch).
   */
  KAFKA_CONSUMER_MAX_WAIT_MS: env.int({ default: 100, min: 0, max: 5_000 }),
  /**
   * How often a service's projections (its list read models) read the event log after catching up: about how long
   * a write takes to show in a list. A caught-up poll is two reads and writes nothing.
   */
  PROJECTION_POLL_MS: env.int({ default: 50, min: 5, max: 10_000 }),
  /** Time between two runs of each housekeeping purge (expired idempotency records, old inbox rows). */
  HOUSEKEEPING_INTERVAL_MS: env.int({ default: 3_600_000, min: 1_000, max: 7 * 24 * 3_600_000 }),
  /**
   * Days an inbox row (a consumer's record that it handled an event) is kept before housekeeping deletes it. Keep it
   * longer than the Kafka topics' retention: an event redelivered after its row was deleted would be handled again.
   */
  INBOX_RETENTION_DAYS: env.int({ default: 30, min: 1, max: 3650 }),
  ...loggingConfigSchema,
  ...shutdownConfigSchema,
};
