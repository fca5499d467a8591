/**
 * What the benches that run services as processes share: a throwaway database and Kafka namespace (deleted at the
 * end), starting a service and knowing when it is ready (at LOG_LEVEL=warn the services print no `*.listening` line),
 * latency percentiles, and the facts about the host and the code that every results file records.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { cpus } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { deleteTopicsAndGroups } from '@payment-ledger/messaging';
import { sandboxPageConfigSchema } from '@payment-ledger/payment-methods';
import { env, migrateDatabase } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';
import { ALL_MIGRATION_DIRECTORIES } from '../../scripts/migration-directories';
import { freePort } from '../../test/support/ports';
import { type CodeSource, REPO_ROOT, spawnTsProcess, stopProcess } from '../../test/support/processes';

export type Service = ChildProcess & { name: string; output: () => string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts a service entry point as its own Node process (from `from`: see service-code.ts). Ready when `ready` says
 * so. A process that fails to start is killed.
 */
export async function startService(
  name: string,
  entry: string,
  env: Record<string, string>,
  ready: () => Promise<boolean>,
  from: CodeSource,
  timeoutMs = 90_000,
): Promise<Service> {
  const child = spawnTsProcess(entry, env, from);
  let output = '';
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const service = Object.assign(child, { name, output: () => output });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready`);
      }
      if (await ready()) return service;
      if (Date.now() > deadline) throw new Error(`${name} not ready in ${timeoutMs} ms`);
      await sleep(200);
    }
  } catch (error) {
    await stopProcess(child, 'SIGKILL').catch(() => undefined);
    throw new Error(`${(error as Error).message}:\n${output.slice(-4000)}`);
  }
}

/** The RPC services a bench can run behind the gateway (their entry is apps/<name>/src/main.ts). */
export type BenchServiceName = 'charges' | 'refunds' | 'webhooks';

/** One RPC service of a bench's stack, and the settings only it gets. */
export interface BenchServiceSpec<Name extends BenchServiceName> {
  name: Name;
  env?: Record<string, string>;
}

/**
 * The settings every bench that starts the services reads (spread into its own `loadConfig`): where PostgreSQL and
 * Kafka are, the services' secrets as `npm run setup` wrote them to .infra.env (they have no default), each
 * service's database pool, and where the services' code comes from.
 */
export const benchServicesConfigSchema = {
  DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
  KAFKA_BROKERS: env.list(),
  RPC_SIGNING_SECRETS: rpcConfigSchema.RPC_SIGNING_SECRETS,
  SANDBOX_SIGNING_SECRET: sandboxPageConfigSchema.SANDBOX_SIGNING_SECRET,
  BENCH_DATABASE_POOL_SIZE: env.int({ default: 10, min: 1, max: 100 }),
  BENCH_SERVICES_FROM: env.string({ default: 'build' }),
};

export interface BenchServicesOptions<Name extends BenchServiceName> {
  /** The bench's database (BenchEnvironment.url) and Kafka topic namespace. */
  databaseUrl: string;
  namespace: string;
  /** The bench's loaded config: its pool size per service, the brokers and the secrets the services share. */
  config: {
    BENCH_DATABASE_POOL_SIZE: number;
    KAFKA_BROKERS: string[];
    RPC_SIGNING_SECRETS: string[];
    SANDBOX_SIGNING_SECRET: string;
  };
  /** Settings every process gets besides the shared ones (e.g. SANDBOX_PUBLIC_URL, free ops ports). */
  env?: Record<string, string>;
  /** Started one after the other, each ready when its TCP port accepts connections; the gateway after them. */
  services: BenchServiceSpec<Name>[];
  /** Settings only the gateway gets. */
  gatewayEnv?: Record<string, string>;
  from: CodeSource;
  /** How much of each service's output `output()` shows, from its end (all of it when not given). */
  outputTailChars?: number;
}

/** A bench's services, running: the gateway's URL, the processes to account CPU to, and how to stop them. */
export interface BenchServices<Name extends BenchServiceName> {
  baseUrl: string;
  pids: Record<Name | 'gateway', number>;
  /** What the services printed, each under its name, for a failure's message. */
  output: () => string;
  /** SIGTERM to each, the gateway first (a process that does not exit in 15 s is killed). */
  stop: () => Promise<void>;
}

/**
 * Starts `services` and then the gateway in front of them as their own processes, on free ports on 127.0.0.1, with
 * the bench's database, namespace and secrets, each told where every other one listens. When one fails to start, the
 * ones already running are stopped before the error is thrown.
 */
export async function startBenchServices<Name extends BenchServiceName>(
  options: BenchServicesOptions<Name>,
): Promise<BenchServices<Name>> {
  const { config } = options;
  const ports = new Map<Name, number>();
  for (const { name } of options.services) ports.set(name, await freePort());
  const gatewayPort = await freePort();
  const common: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    DATABASE_POOL_SIZE: String(config.BENCH_DATABASE_POOL_SIZE),
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_NAMESPACE: options.namespace,
    // The services log every answered request (and the webhooks service every attempt) at info: warn keeps the
    // logging out of what is measured.
    LOG_LEVEL: 'warn',
    RPC_SIGNING_SECRETS: config.RPC_SIGNING_SECRETS.join(','),
    SANDBOX_SIGNING_SECRET: config.SANDBOX_SIGNING_SECRET,
    ...Object.fromEntries(
      [...ports].flatMap(([name, port]) => [
        [`${name.toUpperCase()}_TCP_HOST`, '127.0.0.1'],
        [`${name.toUpperCase()}_TCP_PORT`, String(port)],
      ]),
    ),
    ...options.env,
  };
  const started: Service[] = [];
  const stop = async () => {
    for (const service of [...started].reverse()) {
      await stopProcess(service, 'SIGTERM', 15_000).catch((error: unknown) =>
        console.error(`${service.name}: ${(error as Error).message}; killed`),
      );
    }
  };
  const baseUrl = `http://127.0.0.1:${gatewayPort}`;
  try {
    for (const { name, env } of options.services) {
      const port = ports.get(name)!;
      const service = await startService(
        name,
        `apps/${name}/src/main.ts`,
        { ...common, ...env },
        () => accepts(port),
        options.from,
      );
      started.push(service);
    }
    const gateway = await startService(
      'gateway',
      'apps/gateway/src/main.ts',
      {
        ...common,
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_PORT: String(gatewayPort),
        // The load comes from one address with one key, far above the default limits: rate limits off (0), so what
        // is measured is the work, not the 429s.
        GATEWAY_RATE_LIMIT_PER_KEY: '0',
        GATEWAY_RATE_LIMIT_PER_ADDRESS: '0',
        ...options.gatewayEnv,
      },
      () =>
        fetch(`${baseUrl}/health/live`).then(
          (r) => r.ok,
          () => false,
        ),
      options.from,
    );
    started.push(gateway);
    const tail = (text: string) =>
      options.outputTailChars === undefined ? text : text.slice(-options.outputTailChars);
    return {
      baseUrl,
      pids: Object.fromEntries(started.map((s) => [s.name, s.pid!])) as Record<Name | 'gateway', number>,
      output: () => started.map((s) => `--- ${s.name} ---\n${tail(s.output())}`).join('\n'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Deletes the topics and consumer groups of a namespace (libs/messaging names them `<namespace>.<name>`). */
export async function deleteKafkaNamespace(brokers: string[], namespace: string): Promise<void> {
  const admin = new Kafka({ clientId: 'payment-ledger-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await deleteTopicsAndGroups(admin, `${namespace}.`);
  } finally {
    await admin.disconnect();
  }
}

/** The version of the Kafka broker running on this machine, from its command line. */
export function kafkaVersion(): string {
  try {
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    const match = /kafka[_-](?:2\.\d+-)?(\d+\.\d+\.\d+)/.exec(ps.split('\n').find((l) => l.includes('kafka')) ?? '');
    return match ? match[1] : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The commit measured, flagged when apps/ or libs/ had changes not committed. */
export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', 'apps', 'libs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head} (apps/libs modified)` : head;
  } catch {
    return 'unknown';
  }
}

/** The `p` quantile (0..1) of sorted latencies, in milliseconds to two decimals. */
export function percentile(sorted: number[], p: number): number {
  return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(2)) : 0;
}

/** A query's single `n` column as a number. */
export async function count(pool: Pool, sql: string): Promise<number> {
  return Number((await pool.query<{ n: string }>(sql)).rows[0].n);
}

/** A bench's own database (migrated) and Kafka topic namespace, which `dispose` deletes again. */
export interface BenchEnvironment {
  url: string;
  pool: Pool;
  namespace: string;
  /** The PostgreSQL server's version, for the results file. */
  postgres: string;
  dispose(): Promise<void>;
}

/** Creates and migrates a throwaway database next to `adminUrl`'s, and names a fresh Kafka topic namespace. */
export async function benchEnvironment(
  adminUrl: string,
  brokers: string[],
  poolMax: number,
): Promise<BenchEnvironment> {
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  const dbName = `pl_bench_${randomBytes(5).toString('hex')}`;
  const namespace = `bench${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const pool = new Pool({ connectionString: url.toString(), max: poolMax });
  pool.on('error', () => undefined);
  const dispose = async () => {
    const deleted = deleteKafkaNamespace(brokers, namespace);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('took more than 30 s')), 30_000).unref(),
    );
    await Promise.race([deleted, timeout]).catch((error: unknown) =>
      console.error(`could not delete the bench's Kafka topics: ${(error as Error).message}`),
    );
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  };
  try {
    await migrateDatabase(url.toString(), ALL_MIGRATION_DIRECTORIES);
    const postgres = (await pool.query<{ server_version: string }>('SHOW server_version')).rows[0].server_version;
    return { url: url.toString(), pool, namespace, postgres, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The host facts every results file records (compare runs of one host only). */
export function hostFacts(postgres: string, loadAverageAtStart: number, calibrationMs: number) {
  return {
    cpus: cpus().length,
    node: process.version,
    postgres,
    kafka: kafkaVersion(),
    loadAverageAtStart,
    calibrationMs,
  };
}
