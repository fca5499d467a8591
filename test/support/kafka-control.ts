import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';
import { REPO_ROOT } from './processes';

const KAFKA_SH = join(REPO_ROOT, 'scripts/kafka.sh');

/**
 * Whether this machine runs its broker with `scripts/kafka.sh` (what `npm run infra:up` starts without Docker, and
 * what `npm test` uses): then Java and the Kafka jars are here, and a test may start a broker of its own.
 */
export function kafkaIsRestartable(): boolean {
  try {
    execFileSync('bash', [KAFKA_SH, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * A single-node broker of the test's own (its own data directory and free ports), for tests that stop and start
 * Kafka. Restarting the shared broker would stall every other test's clients, and its start-up time grows with every
 * topic the suite made before (thousands of partitions to load): a fresh broker restarts in seconds.
 */
export class PrivateKafka {
  private constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly runDir: string,
    readonly brokers: string[],
  ) {}

  static async start(): Promise<PrivateKafka> {
    const runDir = mkdtempSync(join(tmpdir(), 'payment-ledger-kafka-'));
    const [port, controllerPort] = [await freePort(), await freePort()];
    const env = {
      ...process.env,
      KAFKA_RUN_DIR: runDir,
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controllerPort),
    };
    const kafka = new PrivateKafka(env, runDir, [`127.0.0.1:${port}`]);
    kafka.start();
    return kafka;
  }

  start(): void {
    execFileSync('bash', [KAFKA_SH, 'start'], { env: this.env, stdio: 'inherit', timeout: 150_000 });
  }

  stop(): void {
    execFileSync('bash', [KAFKA_SH, 'stop'], { env: this.env, stdio: 'inherit', timeout: 60_000 });
  }

  /** start() without blocking this process's event loop (its clients and servers go on meanwhile). */
  async startInBackground(): Promise<void> {
    await promisify(execFile)('bash', [KAFKA_SH, 'start'], { env: this.env, timeout: 150_000 });
  }

  /** stop() without blocking this process's event loop. */
  async stopInBackground(): Promise<void> {
    await promisify(execFile)('bash', [KAFKA_SH, 'stop'], { env: this.env, timeout: 60_000 });
  }

  /** Stops the broker and deletes its data. */
  dispose(): void {
    try {
      this.stop();
    } finally {
      rmSync(this.runDir, { recursive: true, force: true });
    }
  }
}
