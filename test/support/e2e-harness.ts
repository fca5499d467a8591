/**
 * What end-to-end suites share: services started as their own processes (with their output kept for failures), a
 * local "merchant return page", and Debian's chromium driven by playwright-core.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type Browser, chromium } from 'playwright-core';
import { kafkaBrokers, testNamespace } from './kafka';
import { anyOpsPorts, freePort } from './ports';
import { TEST_RPC_SIGNING_SECRET, TEST_SANDBOX_SIGNING_SECRET, TEST_WEBHOOK_SECRETS_KEY } from './rpc-secrets';
import { startTsProcess, stopProcess } from './processes';

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
