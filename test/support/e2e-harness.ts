/**
 * What end-to-end suites share: services started as their own processes (with their output kept for failures), a
 * local "merchant return page", and Debian's chromium driven by playwright-core.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type ServiceName, serviceSpec } from '@payment-ledger/platform';
import { createMerchant } from '../../apps/gateway/src/infrastructure/merchants/merchant.repository';
import { kafkaBrokers, testNamespace } from './kafka';
import { anyOpsPorts, freePort } from './ports';
import { TEST_RPC_SIGNING_SECRET, TEST_SANDBOX_SIGNING_SECRET, TEST_WEBHOOK_SECRETS_KEY } from './rpc-secrets';
import { startTsProcess, stopProcess } from './processes';
import { TestDatabase } from './test-database';

const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags chromium keeps dialling out, which this machine's closed network refuses. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const PHONE = { width: 390, height: 844 };

type Service = ChildProcess & { output: () => string };

/** Environment variables whose values are secrets: no service may ever print them. */
const SECRET_SETTINGS = ['RPC_SIGNING_SECRETS', 'SANDBOX_SIGNING_SECRET', 'WEBHOOK_SECRETS_KEY'];

/**
 * Services started in order, stopped in reverse with SIGTERM (graceful shutdown is part of what is tested).
 *
 * Everything each process prints is kept (a restarted service's earlier processes too), for `expectNoSecretsLogged`:
 * the secrets of the settings in SECRET_SETTINGS, and whatever the suite names with `mustNotLog` (API keys,
 * consumers' names and emails, hosted-page tokens), must appear in no line of it.
 */
export class ServiceGroup {
  private readonly services: { name: string; child: Service; entry: string; env: Record<string, string> }[] = [];
  private readonly transcripts: { name: string; text: () => string }[] = [];
  private readonly forbidden = new Map<string, string>();

  async start(name: string, entry: string, env: Record<string, string>): Promise<void> {
    this.services.push({ name, entry, env, child: await this.launch(name, entry, env) });
  }

  /** Starts a process and keeps all it prints: what it printed until ready, then every chunk after. */
  private async launch(name: string, entry: string, env: Record<string, string>): Promise<Service> {
    for (const setting of SECRET_SETTINGS) {
      for (const value of (env[setting] ?? '').split(',')) if (value) this.mustNotLog(setting, value);
    }
    const child = await startTsProcess(entry, env, `${name}.listening`);
    // Resolved from within the data handler that saw the ready line: no later chunk has been emitted yet.
    let text = child.output();
    const keep = (chunk: Buffer) => void (text += chunk.toString());
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.transcripts.push({ name, text: () => text });
    return child;
  }

  /** A value no service may print (`what` says what it is, in the failure message; the value is never shown). */
  mustNotLog(what: string, value: string): void {
    if (value.length >= 6) this.forbidden.set(value, what);
  }

  /**
   * Fails, naming the service, what leaked and the line (the leaked value masked in it), when any line any service
   * printed holds a value given to mustNotLog or a secret setting; URL-encoded forms count. Call it once the
   * services have stopped (afterAll, after stopAll), so their last lines are read too.
   */
  expectNoSecretsLogged(): void {
    const forms = [...this.forbidden].flatMap(([value, what]) =>
      [...new Set([value, encodeURIComponent(value)])].map((form) => ({ form, what })),
    );
    const leaks: string[] = [];
    for (const { name, text } of this.transcripts) {
      for (const line of text().split('\n')) {
        const found = forms.filter(({ form }) => line.includes(form));
        if (found.length === 0) continue;
        const masked = found.reduce((l, { form, what }) => l.split(form).join(`[${what}]`), line);
        leaks.push(`${name} logged ${[...new Set(found.map((f) => f.what))].join(', ')}: ${masked.slice(0, 2000)}`);
      }
    }
    if (leaks.length > 0) throw new Error(`secrets or personal data in the services' logs:\n${leaks.join('\n')}`);
  }

  /** Sends `name` SIGTERM and resolves with how it exited, once it has (its output stays readable). */
  async stop(name: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
    const { child } = this.find(name);
    await stopProcess(child, 'SIGTERM');
    return { code: child.exitCode, signal: child.signalCode, output: child.output() };
  }

  /** Kills `name` with SIGKILL, as a crash would: no shutdown hook runs, nothing after its last write. */
  async kill(name: string): Promise<void> {
    await stopProcess(this.find(name).child, 'SIGKILL');
  }

  /** Starts a stopped service again, with the settings it was first started with. */
  async restart(name: string): Promise<void> {
    const service = this.find(name);
    service.child = await this.launch(name, service.entry, service.env);
  }

  private find(name: string) {
    const service = this.services.find((s) => s.name === name);
    if (!service) throw new Error(`no service ${name} in this group`);
    return service;
  }

  printOutput(): void {
    for (const { name, child } of this.services) console.error(`----- ${name} output -----\n${child.output()}`);
  }

  /** `it`, with the services' output printed when the test fails, so it can be read without rerunning. */
  test(name: string, body: () => Promise<void>): void {
    it(name, async () => {
      try {
        await body();
      } catch (error) {
        this.printOutput();
        throw error;
      }
    });
  }

  async stopAll(): Promise<void> {
    for (const { child } of this.services.reverse()) await stopProcess(child, 'SIGTERM');
  }
}

/**
 * The settings naming where services listen (their host and port settings in SERVICE_REGISTRY), each on 127.0.0.1 at
 * the given port: given to every process of a suite, so that callers find the services they call.
 */
export function serviceAddresses(ports: Partial<Record<ServiceName, number>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(ports).flatMap(([name, port]) => {
      const spec = serviceSpec(name as ServiceName);
      return [
        [spec.host, '127.0.0.1'],
        [spec.port, String(port)],
      ];
    }),
  );
}

/**
 * Starts the gateway and the sandbox page at once, with `env` and on their ports: the last of a suite's services,
 * as both call the others. The two starts are returned, for a suite that starts more alongside them.
 */
export function startGatewayAndSandbox(
  services: ServiceGroup,
  env: Record<string, string>,
  ports: { gateway: number; sandbox: number },
): Promise<void>[] {
  return [
    services.start('gateway', 'apps/gateway/src/main.ts', { ...env, ...serviceAddresses({ gateway: ports.gateway }) }),
    services.start('sandbox', 'apps/sandbox/src/main.ts', { ...env, ...serviceAddresses({ sandbox: ports.sandbox }) }),
  ];
}

/** Distinct free ports (the OS could hand out a just-closed port twice). */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export interface ReturnPage {
  origin: string;
  /** What the page was called with, in order. */
  returns: { path: string; query: URLSearchParams }[];
  close(): Promise<void>;
}

/** The merchant's return page: records the query string, answers with a small page. */
export async function startReturnPage(html: string): Promise<ReturnPage> {
  const returns: ReturnPage['returns'] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/favicon.ico') return void response.writeHead(404).end();
    returns.push({ path: url.pathname, query: url.searchParams });
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    origin: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    returns,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * The settings every end-to-end service process shares: the services' restricted login (as deployed: a missing grant
 * fails the test), this run's Kafka topics, the test secrets, and every ops listener on a free port (the defaults,
 * 9300…, may be taken by another stack on this machine). Each suite adds its addresses.
 */
export function e2eServiceEnv(db: { serviceUrl: string }): Record<string, string> {
  return {
    DATABASE_URL: db.serviceUrl,
    DATABASE_POOL_SIZE: '4',
    KAFKA_BROKERS: kafkaBrokers().join(','),
    KAFKA_TOPIC_NAMESPACE: testNamespace(),
    KAFKA_TOPIC_PARTITIONS: '2',
    KAFKA_CONSUMER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'info',
    RPC_SIGNING_SECRETS: TEST_RPC_SIGNING_SECRET,
    SANDBOX_SIGNING_SECRET: TEST_SANDBOX_SIGNING_SECRET,
    ...anyOpsPorts(),
  };
}

/**
 * What the webhooks service adds to e2eServiceEnv: the key it encrypts endpoints' secrets with, and 127.0.0.1 on the
 * outbound allow-list, so that it may deliver to a suite's local receiver (refused otherwise, as a loopback address).
 */
export function webhooksServiceEnv(): Record<string, string> {
  return { WEBHOOK_SECRETS_KEY: TEST_WEBHOOK_SECRETS_KEY, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' };
}

/** What a browser suite sets up before its services start: they are given to `start`. */
export interface BrowserSuiteFixtures {
  db: TestDatabase;
  /** The merchant's API key (SANDBOX), which no service may log. */
  apiKey: string;
  returnPage: ReturnPage;
}

export interface BrowserSuiteOptions {
  services: ServiceGroup;
  /** The merchant the suite's calls are made as (created in the suite's database). */
  merchantName: string;
  /** The consumer's name the suite pays with: personal data, which no service may log. */
  consumerName: string;
  /** What the merchant's return page answers with. */
  returnPageHtml: string;
  /** Starts the suite's services on `services` (and whatever else the suite runs, e.g. a webhook receiver). */
  start(fixtures: BrowserSuiteFixtures): Promise<void>;
  /** Closes what `start` opened besides the services; called once they have stopped. */
  stop?(): Promise<void>;
}

/** What a browser suite's tests use; read inside tests and hooks, once beforeAll (and beforeEach) have run. */
export interface BrowserSuite extends BrowserSuiteFixtures {
  browser: Browser;
  /** This test's browser profile. */
  context: BrowserContext;
  /** This test's page, in a phone-sized viewport (PHONE). */
  page: Page;
}

/**
 * Registers the hooks of a suite where a consumer uses the hosted pages in chromium: beforeAll creates a database, a
 * merchant and the return page, runs `start` and launches chromium (the services' output printed when any of it
 * fails); afterAll closes the browser, stops the services, then what `start` opened, the return page and the
 * database, and checks that no service logged a secret, the API key or the consumer's name; each test gets a fresh
 * browser context with a phone's viewport.
 */
export function browserSuite(options: BrowserSuiteOptions): BrowserSuite {
  const { services } = options;
  let fixtures: BrowserSuiteFixtures | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  let returnPage: ReturnPage | undefined;
  let db: TestDatabase | undefined;

  beforeAll(async () => {
    try {
      db = await TestDatabase.create({ poolSize: 2 });
      const { apiKey } = await createMerchant(db.pool, options.merchantName, 'SANDBOX');
      services.mustNotLog('API key', apiKey);
      services.mustNotLog('consumer name', options.consumerName);
      returnPage = await startReturnPage(options.returnPageHtml);
      fixtures = { db, apiKey, returnPage };
      await options.start(fixtures);
      browser = await launchChromium();
    } catch (error) {
      services.printOutput();
      throw error;
    }
  });

  afterAll(async () => {
    await browser?.close();
    // Graceful shutdown is part of what is tested: each service must exit on SIGTERM (callers first: stopAll stops
    // them in the reverse of the order they were started in).
    await services.stopAll();
    await options.stop?.();
    await returnPage?.close();
    await db?.drop();
    services.expectNoSecretsLogged();
  });

  /** A fresh browser profile per test: no cookies or cache carried over. */
  beforeEach(async () => {
    if (!browser) throw new Error('the browser did not start');
    context = await browser.newContext({ viewport: PHONE });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not there: the suite's beforeAll or beforeEach failed`);
    return value;
  };
  return {
    get db() {
      return started(fixtures, 'the database').db;
    },
    get apiKey() {
      return started(fixtures, "the merchant's API key").apiKey;
    },
    get returnPage() {
      return started(fixtures, 'the return page').returnPage;
    },
    get browser() {
      return started(browser, 'the browser');
    },
    get context() {
      return started(context, 'the browser context');
    },
    get page() {
      return started(page, 'the page');
    },
  };
}
