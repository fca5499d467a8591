/**
 * `npm run stack` (scripts/stack.sh) stops every service it started when it gets SIGTERM (issue 15, point 8), as
 * Ctrl-C does: it is run against the servers .infra.env names (STACK_SKIP_SETUP: they are up, `npm run setup` wrote
 * it), every port setting of the registry on a free port, its logs and its topics its own; once it prints that it is
 * up, it is sent SIGTERM, and no service process it started may outlive it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_REGISTRY } from '@payment-ledger/platform';
import { freePorts } from '../support/e2e-harness';
import { testNamespace } from '../support/kafka';

const ROOT = join(__dirname, '..', '..');
const services = Object.values(SERVICE_REGISTRY);
/** Every port a local stack listens on (as `scripts/registry.ts ports` lists them): each service's and its ops port. */
const portSettings = services.flatMap((spec) => [spec.port, spec.opsPort.setting]);
const infraEnv = join(ROOT, '.infra.env');
const hasInfraEnv = existsSync(infraEnv) && /^SERVICE_DATABASE_URL=/m.test(readFileSync(infraEnv, 'utf8'));

/** The processes whose parent is `pid` (Linux /proc), with their command lines. */
function childrenOf(pid: number): { pid: number; command: string }[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid !== pid) return [];
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        return [{ pid: Number(entry), command }];
      } catch {
        return []; // ended meanwhile
      }
    });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let stack: ChildProcess | undefined;
let logDir = '';

afterAll(() => {
  if (stack && stack.exitCode === null && stack.signalCode === null) stack.kill('SIGKILL');
  if (logDir) rmSync(logDir, { recursive: true, force: true });
});

(hasInfraEnv ? it : it.skip)(
  'npm run stack: up, then SIGTERM stops every service it started',
  async () => {
    const ports = await freePorts(portSettings.length);
    logDir = mkdtempSync(join(tmpdir(), 'payment-ledger-stack-'));
    stack = spawn('bash', ['scripts/stack.sh'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...Object.fromEntries(portSettings.map((setting, i) => [setting, String(ports[i])])),
        STACK_SKIP_SETUP: '1',
        STACK_LOG_DIR: logDir,
        KAFKA_TOPIC_NAMESPACE: testNamespace(),
        KAFKA_TOPIC_PARTITIONS: '1',
        // what the script sets for a local receiver unless told otherwise (checked below)
        WEBHOOK_ALLOWED_HOSTS: undefined,
        // each service starts in seconds; a loaded machine (CI) may take longer
        STACK_READY_TIMEOUT_S: '180',
      },
      stdio: 'pipe',
    });
    let output = '';
    stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      stack!.on('exit', (code, signal) => resolve({ code, signal })),
    );

    const up = await Promise.race([
      new Promise<boolean>((resolve) => {
        const check = setInterval(() => {
          if (output.includes('payment-ledger is up')) resolve(true);
          if (output.includes('payment-ledger is up') || stack!.exitCode !== null) clearInterval(check);
        }, 200);
      }),
      exited.then(() => false),
    ]);
    if (!up) {
      const logs = readdirSync(logDir).map(
        (file) => `--- ${file}\n${readFileSync(join(logDir, file), 'utf8').slice(-3000)}`,
      );
      throw new Error(`npm run stack ended before it was up:\n${output}\n${logs.join('\n')}`);
    }
    expect(output).toContain(`http://127.0.0.1:${ports[portSettings.indexOf('GATEWAY_PORT')]}`);

    // Its service processes: node children of the script, one per service of the registry.
    const started = childrenOf(stack.pid!).filter(({ command }) => command.includes('scripts/registry.ts start'));
    expect(started.map(({ command }) => command.split(' ').pop()).sort()).toEqual(Object.keys(SERVICE_REGISTRY).sort());

    // The webhooks service may deliver to a receiver on this machine (the script's default, unless set).
    const webhooks = started.find(({ command }) => command.endsWith(' webhooks'))!;
    const environment = readFileSync(`/proc/${webhooks.pid}/environ`, 'utf8').split('\0');
    expect(environment).toContain('WEBHOOK_ALLOWED_HOSTS=127.0.0.1');

    stack.kill('SIGTERM');
    const { code, signal } = await exited;
    expect({ code, signal }).toEqual({ code: 143, signal: null });
    expect(output).toContain('stack: stopping services');
    expect(started.filter(({ pid }) => alive(pid))).toEqual([]);
  },
  600_000,
);
