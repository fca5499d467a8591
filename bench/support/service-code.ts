/**
 * The benches run the services as an image would: from the JavaScript `npm run build` writes to dist/, built once
 * at the start of the bench (BENCH_SERVICES_FROM=build, the default). BENCH_SERVICES_FROM=source runs them from
 * TypeScript through ts-node instead, as the tests do; ts-node keeps the compiler in each service's heap.
 */
import { execFileSync } from 'node:child_process';
import { type CodeSource, REPO_ROOT } from '../../test/support/processes';

export function serviceCodeSource(setting: string): CodeSource {
  if (setting !== 'build' && setting !== 'source') {
    throw new Error(`BENCH_SERVICES_FROM: "${setting}" is neither build nor source`);
  }
  if (setting === 'build') {
    console.error('building the services (npm run build)');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return setting;
}

export const describeServiceCode = (from: CodeSource): string =>
  from === 'build' ? 'built JavaScript (npm run build, dist/)' : 'TypeScript through ts-node (transpile-only)';
