import type { Writable } from 'node:stream';

/**
 * Where a run of the CLI writes and what it reads: the process's streams and environment from the shell, a test's
 * own in-process (runCli). Results go to stdout (so they can be piped), everything for the person running it
 * (progress, summaries, errors) to stderr.
 */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** The settings (DATABASE_URL, KAFKA_BROKERS, ...); absent, the process environment (read by loadConfig). */
  env?: Record<string, string | undefined>;
  /** Whether stderr is a terminal: progress bars are drawn only there, unless `--progress` asks for them. */
  stderrIsTTY: boolean;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stderrIsTTY: process.stderr.isTTY === true };
}
