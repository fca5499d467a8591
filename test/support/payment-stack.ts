/**
 * The charges service and the gateway as real Nest applications in this process (TCP between them, real
 * PostgreSQL and Kafka), sharing one manual clock so timers and key expiry are driven by the test.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { createRpcService, type LogSink, ManualClock, loadConfig } from '@payment-ledger/platform';
import { rpcServer } from '@payment-ledger/rpc';
import { agreementsConfigSchema } from '../../apps/agreements/src/agreements.config';
import { AgreementsModule } from '../../apps/agreements/src/agreements.module';
import { chargesConfigSchema } from '../../apps/charges/src/charges.config';
import { schedulerConfigSchema } from '../../apps/scheduler/src/scheduler.config';
import { SchedulerModule } from '../../apps/scheduler/src/scheduler.module';
import { BillingWorker } from '../../apps/scheduler/src/infrastructure/billing.worker';
import { ChargesModule } from '../../apps/charges/src/charges.module';
import { ChargeDeadlineWorker } from '../../apps/charges/src/infrastructure/charge-deadline.worker';
import { CompleteCheckoutHandler } from '../../apps/charges/src/application/complete-checkout.handler';
import { refundsConfigSchema } from '../../apps/refunds/src/refunds.config';
import { RefundsModule } from '../../apps/refunds/src/refunds.module';
import { RefundTimerWorker } from '../../apps/refunds/src/infrastructure/refund-timer.worker';
import { webhooksConfigSchema } from '../../apps/webhooks/src/webhooks.config';
import { WebhooksModule } from '../../apps/webhooks/src/webhooks.module';
import { ledgerConfigSchema } from '../../apps/ledger/src/ledger.config';
import { LedgerModule } from '../../apps/ledger/src/ledger.module';
import { createGatewayApp } from '../../apps/gateway/src/gateway.app';
import { gatewayConfigSchema } from '../../apps/gateway/src/gateway.config';
import { createMerchant } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { apiClient } from './api-client';
import { kafkaBrokers, testNamespace } from './kafka';
import { anyOpsPorts, freePort } from './ports';
import { TEST_RPC_SIGNING_SECRET, TEST_SANDBOX_SIGNING_SECRET, TEST_WEBHOOK_SECRETS_KEY } from './rpc-secrets';

export { freePort };
export { apiClient };
import type { TestDatabase } from './test-database';

export class PaymentStack {
  charges!: INestMicroservice;
  agreements!: INestMicroservice;
  schedulers: INestMicroservice[] = [];
  refunds?: INestMicroservice;
  webhooks?: INestMicroservice;
  ledger?: INestMicroservice;
  gateway!: INestApplication;
  baseUrl = '';
  private chargesPort = 0;
  private agreementsPort = 0;
  private schedulerPort = 0;
  private refundsPort = 0;
  private webhooksPort = 0;
  private ledgerPort = 0;
  /** Whether start() starts the ledger service too (suites about balances and entries). */
  private readonly withLedger: boolean;
  /** Whether start() starts the webhooks service too (suites that do not deliver webhooks go without its consumer). */
  private readonly withWebhooks: boolean;
  /** Where start()'s gateway listens (0: any port), known beforehand when the sandbox sends it notifications. */
  private gatewayPort = 0;
  private readonly withProviderNotifications: boolean;
  private readonly env: Record<string, string>;
  private readonly logSinks: Partial<
    Record<'charges' | 'agreements' | 'scheduler' | 'refunds' | 'webhooks' | 'gateway', LogSink>
  >;

  constructor(
    readonly db: TestDatabase,
    readonly clock = new ManualClock(new Date('2026-03-01T12:00:00.000Z')),
    /**
     * `env`: settings on top of the stack's own, for its services and gateway (PROJECTION_POLL_MS, say).
     * `logSinks`: where a service's log lines go instead of stdout (a test reading them).
     */
    options: {
      env?: Record<string, string>;
      logSinks?: Partial<Record<'charges' | 'agreements' | 'scheduler' | 'refunds' | 'webhooks' | 'gateway', LogSink>>;
      /** Start the webhooks service too (its Kafka consumer and delivery lanes): suites about webhooks. */
      webhooks?: boolean;
      /** Start the ledger service too (its projection of the log): suites about balances and journal entries. */
      ledger?: boolean;
      /**
       * The sandbox provider sends its IPNs (SANDBOX_NOTIFICATIONS_URL) to this stack's gateway, which passes them to
       * the webhooks service (started too).
       */
      providerNotifications?: boolean;
    } = {},
  ) {
    this.withProviderNotifications = options.providerNotifications ?? false;
    this.withWebhooks = (options.webhooks ?? false) || this.withProviderNotifications;
    this.withLedger = options.ledger ?? false;
    this.logSinks = options.logSinks ?? {};
    this.env = {
      // The services' restricted login (as deployed): a grant the code needs and the migrations lack fails the suite.
      DATABASE_URL: db.serviceUrl,
      DATABASE_POOL_SIZE: '8',
      KAFKA_BROKERS: kafkaBrokers().join(','),
      KAFKA_TOPIC_NAMESPACE: testNamespace(),
      KAFKA_TOPIC_PARTITIONS: '2',
      KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
      SANDBOX_PUBLIC_URL: 'http://127.0.0.1:3999',
      SANDBOX_SIGNING_SECRET: TEST_SANDBOX_SIGNING_SECRET,
      SANDBOX_ASYNC_AUTHORIZATION_DELAY_MS: '30000',
      // Timers run when the test says so (runDue), never on their own.
      CHARGE_DEADLINE_POLL_MS: '3600000',
      CHARGE_TIMER_FEED_POLL_MS: '0',
      REFUND_TIMER_POLL_MS: '3600000',
      LOG_CHECKPOINT_POLL_MS: '0',
      WEBHOOK_SECRETS_KEY: TEST_WEBHOOK_SECRETS_KEY,
      // The tests' receivers listen on 127.0.0.1 over http.
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      SANDBOX_ASYNC_REFUND_DELAY_MS: '30000',
      API_KEY_CACHE_TTL_MS: '0',
      RPC_SIGNING_SECRETS: TEST_RPC_SIGNING_SECRET,
      // Ops listeners (metrics, health probes) on any free port (app.get(OpsListener).port): several stacks run at once.
      ...anyOpsPorts(),
      ...options.env,
    };
  }

  /** The environment the services of this stack share (addresses aside). */
  get sharedEnv(): Readonly<Record<string, string>> {
    return this.env;
  }

  get ports(): { charges: number; agreements: number; scheduler: number; refunds: number } {
    return {
      charges: this.chargesPort,
      agreements: this.agreementsPort,
      scheduler: this.schedulerPort,
      refunds: this.refundsPort,
    };
  }

  async start(): Promise<this> {
    if (this.withProviderNotifications) {
      this.gatewayPort = await freePort();
      this.env.SANDBOX_NOTIFICATIONS_URL = `http://127.0.0.1:${this.gatewayPort}/v1/provider-notifications/amazon-pay`;
    }
    this.chargesPort = await freePort();
    this.agreementsPort = await freePort();
    await this.startCharges();
    await this.startAgreements();
    this.schedulerPort = await freePort();
    await this.startScheduler(this.schedulerPort);
    this.refundsPort = await freePort();
    await this.startRefunds();
    this.webhooksPort = await freePort();
    if (this.withWebhooks) await this.startWebhooks();
    this.ledgerPort = await freePort();
    if (this.withLedger) await this.startLedger();
    ({ app: this.gateway, baseUrl: this.baseUrl } = await this.startGateway({}, this.gatewayPort));
    return this;
  }

  /**
   * A gateway on this stack's services, listening, with `env` on top of the stack's settings: start() starts one;
   * a test may start more with other settings (and closes them).
   */
  async startGateway(env: Record<string, string> = {}, port = 0): Promise<{ app: INestApplication; baseUrl: string }> {
    const config = loadConfig(gatewayConfigSchema, {
      ...this.env,
      CHARGES_TCP_PORT: String(this.chargesPort),
      AGREEMENTS_TCP_PORT: String(this.agreementsPort),
      SCHEDULER_TCP_PORT: String(this.schedulerPort),
      REFUNDS_TCP_PORT: String(this.refundsPort),
      WEBHOOKS_TCP_PORT: String(this.webhooksPort),
      LEDGER_TCP_PORT: String(this.ledgerPort),
      GATEWAY_BODY_LIMIT_BYTES: '102400',
      // Suites send hundreds of requests from one address with one key, faster than the default limits allow;
      // rate-limits.int-spec.ts starts gateways with limits of its own.
      GATEWAY_RATE_LIMIT_PER_KEY: '0',
      GATEWAY_RATE_LIMIT_PER_ADDRESS: '0',
      ...env,
    });
    const app = await createGatewayApp(config, { clock: this.clock, logSink: this.logSinks.gateway });
    await app.listen(port, '127.0.0.1');
    return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  }

  async startCharges(): Promise<void> {
    const config = loadConfig(chargesConfigSchema, { ...this.env, CHARGES_TCP_PORT: String(this.chargesPort) });
    const module = ChargesModule.forRoot(config, { clock: this.clock, logSink: this.logSinks.charges });
    this.charges = await createRpcService('charges', module, config, rpcServer, { logSink: this.logSinks.charges });
    await this.charges.listen();
  }

  async startAgreements(): Promise<void> {
    const config = loadConfig(agreementsConfigSchema, {
      ...this.env,
      AGREEMENTS_TCP_PORT: String(this.agreementsPort),
      CHARGES_TCP_PORT: String(this.chargesPort),
    });
    this.agreements = await createRpcService(
      'agreements',
      AgreementsModule.forRoot(config, { clock: this.clock, logSink: this.logSinks.agreements }),
      config,
      rpcServer,
      { logSink: this.logSinks.agreements },
    );
    await this.agreements.listen();
  }

  async startRefunds(): Promise<void> {
    const config = loadConfig(refundsConfigSchema, { ...this.env, REFUNDS_TCP_PORT: String(this.refundsPort) });
    const module = RefundsModule.forRoot(config, { clock: this.clock, logSink: this.logSinks.refunds });
    this.refunds = await createRpcService('refunds', module, config, rpcServer, { logSink: this.logSinks.refunds });
    await this.refunds.listen();
  }

  async startLedger(): Promise<void> {
    const config = loadConfig(ledgerConfigSchema, { ...this.env, LEDGER_TCP_PORT: String(this.ledgerPort) });
    this.ledger = await createRpcService('ledger', LedgerModule.forRoot(config), config, rpcServer);
    await this.ledger.listen();
  }

  /** Starts the webhooks service; `env`: settings of its own on top of the stack's (a test's smaller limits, say). */
  async startWebhooks(env: Record<string, string> = {}): Promise<void> {
    const config = loadConfig(webhooksConfigSchema, {
      ...this.env,
      WEBHOOKS_TCP_PORT: String(this.webhooksPort),
      REFUNDS_TCP_PORT: String(this.refundsPort),
      CHARGES_TCP_PORT: String(this.chargesPort),
      ...env,
    });
    // The real clock: receivers check a delivery's `webhook-timestamp` against theirs (Standard Webhooks' tolerance).
    const module = WebhooksModule.forRoot(config, { logSink: this.logSinks.webhooks });
    this.webhooks = await createRpcService('webhooks', module, config, rpcServer, { logSink: this.logSinks.webhooks });
    await this.webhooks.listen();
  }

  /** Another replica of the webhooks service (same database and consumer group, its own port); the caller closes it. */
  async startWebhooksReplica(): Promise<INestMicroservice> {
    const port = await freePort();
    const config = loadConfig(webhooksConfigSchema, {
      ...this.env,
      WEBHOOKS_TCP_PORT: String(port),
      REFUNDS_TCP_PORT: String(this.refundsPort),
      CHARGES_TCP_PORT: String(this.chargesPort),
    });
    const replica = await createRpcService('webhooks', WebhooksModule.forRoot(config), config, rpcServer);
    await replica.listen();
    return replica;
  }

  /**
   * Closes the webhooks service gracefully (its worker stops claiming and lets its runs end; a crash, SIGKILL, is the
   * e2e suite's) and starts it again, with `env` on top of the stack's settings (none: as start() made it).
   */
  async restartWebhooks(env: Record<string, string> = {}): Promise<void> {
    await this.webhooks?.close();
    await this.startWebhooks(env);
  }

  /** Stops the refunds service (as a crash would leave it: nothing after its last write) and starts it again. */
  async restartRefunds(): Promise<void> {
    await this.refunds?.close();
    await this.startRefunds();
  }

  /**
   * Another replica of the refunds service (same database and consumer groups, its own port, per-stream queue and
   * caches), with `env` on top of the stack's settings, and its port for a gateway of its own
   * (startGateway({ REFUNDS_TCP_PORT })); the caller closes it.
   */
  async startRefundsReplica(env: Record<string, string> = {}): Promise<{ app: INestMicroservice; port: number }> {
    const port = await freePort();
    const config = loadConfig(refundsConfigSchema, { ...this.env, REFUNDS_TCP_PORT: String(port), ...env });
    const module = RefundsModule.forRoot(config, { clock: this.clock, logSink: this.logSinks.refunds });
    const app = await createRpcService('refunds', module, config, rpcServer, { logSink: this.logSinks.refunds });
    await app.listen();
    return { app, port };
  }

  runDueRefundTimers(): Promise<number> {
    if (!this.refunds) throw new Error('the refunds service is not running');
    return this.refunds.get(RefundTimerWorker).runDue();
  }

  /** Starts a scheduler replica (several may run: they share the work). */
  async startScheduler(port?: number): Promise<INestMicroservice> {
    const tcpPort = port ?? (await freePort());
    const config = loadConfig(schedulerConfigSchema, {
      ...this.env,
      SCHEDULER_TCP_PORT: String(tcpPort),
      AGREEMENTS_TCP_PORT: String(this.agreementsPort),
      SCHEDULER_POLL_MS: '0',
    });
    const module = SchedulerModule.forRoot(config, { clock: this.clock, logSink: this.logSinks.scheduler });
    const app = await createRpcService('scheduler', module, config, rpcServer, { logSink: this.logSinks.scheduler });
    await app.listen();
    this.schedulers.push(app);
    return app;
  }

  /** Stops the first scheduler replica (as a crash would) and starts a new one in its place. */
  async restartScheduler(): Promise<void> {
    await this.schedulers.shift()?.close();
    await this.startScheduler(this.schedulerPort);
  }

  /** Runs due billing on every scheduler replica at once. */
  runDueBilling(): Promise<number[]> {
    return Promise.all(this.schedulers.map((s) => s.get(BillingWorker).runDue()));
  }

  /** Stops the charges service and starts a new instance on the same database (timers must survive). */
  async restartCharges(): Promise<void> {
    await this.charges.close();
    await this.startCharges();
  }

  runDueTimers(): Promise<number> {
    return this.charges.get(ChargeDeadlineWorker).runDue();
  }

  /**
   * A merchant and its API key. Live merchants can no longer be created (no live provider exists): a LIVE one here
   * is a merchant from before that, made as a sandbox merchant and switched to LIVE in its row.
   */
  async merchant(name = 'Acme Books', mode: 'SANDBOX' | 'LIVE' = 'SANDBOX') {
    const created = await createMerchant(this.db.pool, name, 'SANDBOX');
    if (mode === 'SANDBOX') return created;
    await this.db.pool.query(`UPDATE merchants SET mode = 'LIVE' WHERE merchant_id = $1`, [created.merchant.id]);
    return { ...created, merchant: { ...created.merchant, mode } };
  }

  /**
   * A charge of `api`'s merchant that the consumer approved (the hosted page's answer, given to the charges service
   * without a browser): captured at once (AUTOMATIC), or waiting for its capture (MANUAL). Returns its id.
   */
  async approvedCharge(
    api: ReturnType<typeof apiClient>,
    captureMethod: 'AUTOMATIC' | 'MANUAL' = 'AUTOMATIC',
    body: object = SEED_001_CHARGE,
  ): Promise<string> {
    const created = await api(
      'POST',
      '/v1/payment-charges',
      { ...body, captureMethod },
      { 'request-idempotency-key': randomUUID() },
    );
    if (created.status !== 201) throw new Error(`the charge was not created: ${JSON.stringify(created.body)}`);
    const token = new URL(created.body.authenticationMethods[0].details.requestUrl).searchParams.get('token') ?? '';
    await this.charges
      .get(CompleteCheckoutHandler)
      .complete({ chargeId: created.body.id, token, decision: 'APPROVE', correlationId: 'test' });
    return created.body.id as string;
  }

  async stop(): Promise<void> {
    await this.gateway?.close();
    for (const scheduler of this.schedulers) await scheduler.close();
    await this.webhooks?.close();
    await this.ledger?.close();
    await this.refunds?.close();
    await this.agreements?.close();
    await this.charges?.close();
  }
}

export const SEED_001_CHARGE = {
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
};

export const SEED_001_AGREEMENT = {
  paymentMethod: 'AMAZON_PAY',
  startDate: '2025-03-26T20:24:27Z',
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
  initialPaymentCharge: { amount: { value: 1000, currency: 'USD' } },
};
