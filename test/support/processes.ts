import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/**
 * Where a service's code comes from: its TypeScript sources through ts-node (transpile-only), or the JavaScript
 * `npm run build` wrote to dist/, which is what an image runs (the benches measure that).
 */
export type CodeSource = 'source' | 'build';

/** The built file of a TypeScript entry point: `apps/x/src/main.ts` → `dist/apps/x/src/main.js`. */
export const builtEntry = (entry: string): string => join(REPO_ROOT, 'dist', entry.replace(/\.ts$/, '.js'));

/**
 * Spawns an entry point of this repo (given as its TypeScript path) as its own Node process. Two diagnoses of a
 * benchmark, say, switched on by the environment:
 * - `PAYMENT_LEDGER_CPU_PROF_DIR`: each process writes a V8 CPU profile there when it exits (`--cpu-prof`, which Node
 *   refuses in NODE_OPTIONS);
 * - `PAYMENT_LEDGER_QUERY_COUNT_DIR`: each process counts its PostgreSQL round trips by statement and writes them there
 *   when it exits (bench/support/count-queries.js).
 */
export function spawnTsProcess(
  entry: string,
  env: Record<string, string>,
  from: CodeSource = 'source',
  args: readonly string[] = [],
): ChildProcessWithoutNullStreams {
  const profileDir = process.env.PAYMENT_LEDGER_CPU_PROF_DIR;
  const profile = [
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    ...(process.env.PAYMENT_LEDGER_QUERY_COUNT_DIR ? ['-r', join(REPO_ROOT, 'bench/support/count-queries.js')] : []),
  ];
  return spawn(
    process.execPath,
    from === 'build'
      ? [...profile, builtEntry(entry), ...args]
      : [
          ...profile,
          '-r',
          'ts-node/register/transpile-only',
          '-r',
          'tsconfig-paths/register',
          join(REPO_ROOT, entry),
          ...args,
        ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, TS_NODE_PROJECT: join(REPO_ROOT, 'tsconfig.json'), ...env },
      stdio: 'pipe',
    },
  );
}

/** Starts a TypeScript entry point of this repo as its own Node process; resolves when it prints `readyLine`. */
export function startTsProcess(
  entry: string,
  env: Record<string, string>,
  readyLine: string,
  timeoutMs = 60_000,
  from: CodeSource = 'source',
): Promise<ChildProcess & { output: () => string }> {
  const child = spawnTsProcess(entry, env, from);
  let output = '';
  const proc = Object.assign(child, { output: () => output });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} not ready in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      if (output.includes(readyLine)) {
        clearTimeout(timer);
        resolve(proc);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before ready:\n${output}`));
    });
  });
}

/** Sends `signal` and waits for the process to be gone. */
export function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGKILL',
  timeoutMs = 30_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not exit on ${signal} within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
