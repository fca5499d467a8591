/**
 * The CLI's exit codes, in one place (README, `--help`): scripts and schedulers branch on them.
 * - 0: done;
 * - 1: done, and what was asked about is not there or not right: an unknown id, a check that found problems, a
 *      replay refused (live consumers, or a start Kafka no longer holds);
 * - 2: bad usage: an unknown command or option, a bad argument, a missing or bad setting in the environment;
 * - 3: could not do it: PostgreSQL or Kafka out of reach, or another failure at run time.
 */
export const EXIT_CODES = { done: 0, problemsFound: 1, usage: 2, failed: 3 } as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The `--help` footer that lists them. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  done
  1  not found, or a check found problems, or a replay was refused (the message says why)
  2  bad usage: unknown command or option, bad argument, missing or bad setting in the environment
  3  could not reach PostgreSQL or Kafka, or another failure at run time`;

/** A command's end that is not "done": its message goes to stderr, its code is the exit code. */
export class CliOutcome extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliOutcome';
  }
}

/** What was asked about is not there, or a check found problems (exit 1). */
export const problemFound = (message: string) => new CliOutcome(message, EXIT_CODES.problemsFound);

/** Bad usage (exit 2). */
export const badUsage = (message: string) => new CliOutcome(message, EXIT_CODES.usage);
