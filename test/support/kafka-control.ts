import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './processes';

/**
 * Whether the tests may stop and start the broker: true when it is the local broker that `scripts/kafka.sh`
 * runs (what `npm run infra:up` starts on a machine without Docker, and what `npm test` uses).
 */
export function kafkaIsRestartable(): boolean {
  try {
    execFileSync('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function stopKafka(): void {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), 'stop'], { stdio: 'inherit', timeout: 60_000 });
}

export function startKafka(): void {
  execFileSync('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), 'start'], { stdio: 'inherit', timeout: 120_000 });
}
