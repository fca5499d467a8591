/**
 * The whole stack for the fault suite, each service its own process on 127.0.0.1, over a PostgreSQL cluster and a
 * Kafka broker of the suite's own (PrivatePostgres, PrivateKafka): stopping them never touches the machine's shared
 * servers. Webhook retries run on a compressed schedule, the scheduler polls often and resends early, the ledger
 * writes log checkpoints often, call timeouts are short (a paused service is given up on in seconds).
 *
 * Every service can be killed (SIGKILL), paused (SIGSTOP / SIGCONT) and started again with the settings it was first
 * started with, on the same port. Each process's output goes to a file in the suite's run directory (kept on failure).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { type ServiceName } from '@payment-ledger/platform';
import { createMerchant } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { accepts, type Service, startService } from '../../bench/support/bench-stack';
import { serviceCodeSource } from '../../bench/support/service-code';
import { serviceAddresses, freePorts, webhooksServiceEnv } from '../support/e2e-harness';
import { PrivateKafka } from '../support/kafka-control';
import { anyOpsPorts } from '../support/ports';
import { PrivatePostgres } from '../support/private-postgres';
import { type CodeSource, stopProcess } from '../support/processes';
import { TEST_RPC_SIGNING_SECRET, TEST_SANDBOX_SIGNING_SECRET } from '../support/rpc-secrets';
import { TestDatabase } from '../support/test-database';
import type { WebhookReceiver } from '../support/webhook-receiver';

/** Started in this order (callees first), stopped in the reverse. */
export const FAULT_SERVICES: readonly ServiceName[] = [
  'charges',
  'refunds',
  'ledger',
  'agreements',
  'webhooks',
  'scheduler',
  'gateway',
  'sandbox',
];

/** The namespace of the suite's topics and consumer groups (the broker is the suite's own). */
export const FAULT_NAMESPACE = 'faults';

/** What a paused service is held past: calls to it time out after this (SERVICE_CALL_TIMEOUT_MS). */
export const SERVICE_CALL_TIMEOUT_MS = 4000;
/** Kafka drops a silent consumer from its group after this. */
export const CONSUMER_SESSION_TIMEOUT_MS = 6000;

interface Running {
  name: ServiceName;
  env: Record<string, string>;
  ready: () => Promise<boolean>;
  process: Service | null;
  log: WriteStream;
}

export class FaultStack {
  readonly services = new Map<ServiceName, Running>();
  gatewayUrl = '';
  sandboxUrl = '';
  apiKey = '';
  merchantId = '';
  private disposed = false;
  /**
   * Where the services' code comes from (FAULTS_SERVICES_FROM): `source`, TypeScript through ts-node as the other
   * suites run them (the default), or `build`, the JavaScript of `npm run build` (built once at the start), which
   * starts in a fraction of the CPU: on a busy machine a restarted service is back sooner.
   */
  private readonly from: CodeSource = serviceCodeSource(process.env.FAULTS_SERVICES_FROM ?? 'source');

  private constructor(
    readonly runDir: string,
    readonly postgres: PrivatePostgres,
    readonly kafka: PrivateKafka,
    readonly db: TestDatabase,
  ) {}

  /** PostgreSQL, Kafka, the database (migrated) and a sandbox merchant; `startServices` starts the services. */
  static async create(runDir: string): Promise<FaultStack> {
    mkdirSync(runDir, { recursive: true });
    const postgres = await PrivatePostgres.start();
    let kafka: PrivateKafka | undefined;
    try {
      kafka = await PrivateKafka.start();
      // TestDatabase makes its database (and the services' login) on the cluster DATABASE_URL names: this suite's.
      process.env.DATABASE_URL = postgres.adminUrl;
      const db = await TestDatabase.create({ poolSize: 4 });
      const stack = new FaultStack(runDir, postgres, kafka, db);
      const { apiKey, merchant } = await createMerchant(db.pool, 'Fault Suite Merchant', 'SANDBOX');
      stack.apiKey = apiKey;
      stack.merchantId = merchant.id;
      return stack;
    } catch (error) {
      kafka?.dispose();
      postgres.dispose();
      throw error;
    }
  }

  async startServices(): Promise<void> {
    const names = FAULT_SERVICES;
    const ports = await freePorts(names.length);
    const port = Object.fromEntries(names.map((n, i) => [n, ports[i]])) as Record<ServiceName, number>;
    this.gatewayUrl = `http://127.0.0.1:${port.gateway}`;
    this.sandboxUrl = `http://127.0.0.1:${port.sandbox}`;
    const shared: Record<string, string> = {
      DATABASE_URL: this.db.serviceUrl,
      // The default size: with fewer, consumers' batch transactions that each need a second connection wait on each
      // other until DATABASE_POOL_WAIT_MS (see the report of issue 19).
      DATABASE_POOL_SIZE: '10',
      KAFKA_BROKERS: this.kafka.brokers.join(','),
      KAFKA_TOPIC_NAMESPACE: FAULT_NAMESPACE,
      KAFKA_TOPIC_PARTITIONS: '2',
      KAFKA_CONSUMER_SESSION_TIMEOUT_MS: String(CONSUMER_SESSION_TIMEOUT_MS),
      // Each service's lines go to its file in the run directory, read when a check fails.
      LOG_LEVEL: 'info',
      RPC_SIGNING_SECRETS: TEST_RPC_SIGNING_SECRET,
      SANDBOX_SIGNING_SECRET: TEST_SANDBOX_SIGNING_SECRET,
      SERVICE_CALL_TIMEOUT_MS: String(SERVICE_CALL_TIMEOUT_MS),
      SHUTDOWN_TIMEOUT_MS: '10000',
      SANDBOX_PUBLIC_URL: this.sandboxUrl,
      SANDBOX_NOTIFICATIONS_URL: `${this.gatewayUrl}/v1/provider-notifications/amazon-pay`,
      ...anyOpsPorts(),
      ...serviceAddresses(port),
    };
    const own: Partial<Record<ServiceName, Record<string, string>>> = {
      webhooks: {
        ...webhooksServiceEnv(),
        WEBHOOK_POLL_MS: '100',
        // Compressed: a failed attempt is tried again within seconds, not hours.
        WEBHOOK_RETRY_SCHEDULE: '0,500ms,1s,2s,3s,5s,5s,5s,5s,5s,5s,5s,5s,5s,5s',
        WEBHOOK_TIMEOUT_MS: '3000',
      },
      scheduler: { SCHEDULER_POLL_MS: '500', SCHEDULER_RESEND_AFTER_MS: '5000' },
      ledger: { LOG_CHECKPOINT_INTERVAL_MS: '10000', LOG_CHECKPOINT_POLL_MS: '1000' },
      gateway: { GATEWAY_RATE_LIMIT_PER_KEY: '0', GATEWAY_RATE_LIMIT_PER_ADDRESS: '0' },
    };
    for (const name of names) {
      const ready =
        name === 'gateway' || name === 'sandbox'
          ? () =>
              fetch(`http://127.0.0.1:${port[name]}/health/live`).then(
                (r) => r.ok,
                () => false,
              )
          : () => accepts(port[name]);
      const log = createWriteStream(join(this.runDir, `${name}.log`), { flags: 'a' });
      this.services.set(name, { name, env: { ...shared, ...own[name] }, ready, process: null, log });
    }
    for (const name of names) await this.start(name);
  }

  /** Starts `name` (again), as first configured; resolves once it is ready. */
  async start(name: ServiceName): Promise<void> {
    if (this.disposed) throw new Error('the stack was disposed');
    const service = this.find(name);
    service.log.write(`\n===== ${new Date().toISOString()} start =====\n`);
    const child = await startService(name, `apps/${name}/src/main.ts`, service.env, service.ready, this.from, 180_000);
    // What it printed until ready, then every chunk after (resolved from the readiness poll: a chunk may be in both).
    service.log.write(child.output());
    child.stdout?.on('data', (chunk: Buffer) => service.log.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => service.log.write(chunk));
    child.once('exit', (code, signal) => service.log.write(`\n===== exited ${code ?? signal} =====\n`));
    service.process = child;
  }

  /** SIGKILL, as a crash: nothing runs after its last write. Resolves once it is gone. */
  async kill(name: ServiceName): Promise<void> {
    const service = this.find(name);
    if (service.process) await stopProcess(service.process, 'SIGKILL');
    service.process = null;
  }

  pause(name: ServiceName): void {
    this.find(name).process?.kill('SIGSTOP');
  }

  resume(name: ServiceName): void {
    this.find(name).process?.kill('SIGCONT');
  }

  /** Whether every service's process is running (none exited on its own). */
  exited(): ServiceName[] {
    if (this.disposed) return [];
    return [...this.services.values()]
      .filter((s) => s.process && (s.process.exitCode !== null || s.process.signalCode !== null))
      .map((s) => s.name);
  }

  kafkaAdmin() {
    return new Kafka({ clientId: 'fault-suite', brokers: this.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  }

  private find(name: ServiceName): Running {
    const service = this.services.get(name);
    if (!service) throw new Error(`no service ${name}`);
    return service;
  }

  /** Stops everything (services SIGTERM then SIGKILL, Kafka, PostgreSQL) and deletes their data. Never throws. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const name of [...FAULT_SERVICES].reverse()) {
      const service = this.services.get(name);
      if (!service?.process) continue;
      service.process.kill('SIGCONT');
      await stopProcess(service.process, 'SIGTERM', 15_000).catch(() => undefined);
      service.log.end();
    }
    await this.db.pool.end().catch(() => undefined);
    try {
      this.kafka.dispose();
    } catch {
      // already stopped
    }
    this.postgres.dispose();
  }
}

/**
 * Registers the receiver as the stack's merchant's webhook endpoint (every event type), named `name`; returns its
 * signing secret (shown once, at creation).
 */
export async function registerReceiverEndpoint(
  stack: FaultStack,
  receiver: WebhookReceiver,
  name: string,
): Promise<string> {
  const response = await fetch(`${stack.gatewayUrl}/v1/webhook-endpoints`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${stack.apiKey}`,
      'content-type': 'application/json',
      'request-idempotency-key': `${name}-endpoint-${Date.now()}`,
    },
    body: JSON.stringify({ url: `${receiver.origin}/webhooks`, description: `${name} receiver` }),
  });
  const body = (await response.json()) as { secret?: string };
  if (response.status !== 201 || !body.secret) {
    throw new Error(`the webhook endpoint was not registered: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.secret;
}
