/**
 * What the benches that run services as processes share: starting a service and knowing when it is ready (at
 * LOG_LEVEL=warn the services print no `*.listening` line), deleting the bench's Kafka topic namespace at the end,
 * and the facts about the host and the code that every results file records.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { connect } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
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

/** Deletes the topics and consumer groups of a namespace (libs/messaging names them `<namespace>.<name>`). */
export async function deleteKafkaNamespace(brokers: string[], namespace: string): Promise<void> {
  const admin = new Kafka({ clientId: 'payment-ledger-bench', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(`${namespace}.`));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(`${namespace}.`));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
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
