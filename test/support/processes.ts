import { type ChildProcess, type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/** Spawns a TypeScript entry point of this repo as its own Node process (ts-node, transpile-only). */
export function spawnTsProcess(entry: string, env: Record<string, string>): ChildProcessWithoutNullStreams {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(REPO_ROOT, entry)],
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
): Promise<ChildProcess & { output: () => string }> {
  const child = spawnTsProcess(entry, env);
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
