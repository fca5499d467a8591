import { PassThrough } from 'node:stream';
import type { CliIo } from './cli-io';
import { runCli } from './main';

/** An in-process run's streams, collected: what a test reads back. */
export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

export function captureIo(
  env: Record<string, string | undefined>,
  options: { stderrIsTTY?: boolean } = {},
): CapturedIo {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on('data', (chunk: Buffer) => chunks.out.push(chunk));
  stderr.on('data', (chunk: Buffer) => chunks.err.push(chunk));
  return {
    stdout,
    stderr,
    env,
    stderrIsTTY: options.stderrIsTTY ?? false,
    out: () => Buffer.concat(chunks.out).toString('utf8'),
    err: () => Buffer.concat(chunks.err).toString('utf8'),
  };
}

/** Runs the CLI in-process with `env` and returns its exit code and output. */
export async function cli(env: Record<string, string | undefined>, ...argv: string[]) {
  const io = captureIo(env);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}
