/**
 * The analysts' CLI, `payment-ledger` (`npm run cli -- <command>`, or the `bin` after `npm install`): export the event
 * log, see an object as it was at an instant, reset a downstream consumer group, rebuild a projection from the log.
 * Each command is a file of commands/; the program, its flags and the exit codes (exit-codes.ts) are here. README:
 * apps/ledger/README.md, "CLI".
 */
import 'reflect-metadata';
import { Command, CommanderError, Option } from 'commander';
import { ConfigError } from '@payment-ledger/platform';
import { type CliIo, processIo } from './cli-io';
import type { CommandContext } from './command-context';
import { balancesCommand } from './commands/balances.command';
import { exportCommand } from './commands/export.command';
import { rebuildCommand } from './commands/rebuild.command';
import { reconcileCommand } from './commands/reconcile.command';
import { replayCommand } from './commands/replay.command';
import { reportCommand } from './commands/report.command';
import { stateCommand } from './commands/state.command';
import { statementCommand } from './commands/statement.command';
import { verifyCommand } from './commands/verify.command';
import { CliOutcome, EXIT_CODES, EXIT_CODES_HELP, type ExitCode } from './exit-codes';

/** The program, its output going to `io` and its errors thrown (exitOverride), never exiting the process itself. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('payment-ledger');
  const context: CommandContext = { io, flags: () => program.opts<{ progress?: boolean; quiet?: boolean }>() };
  program
    .description("the analysts' tools over the event log: export, as-of state, consumer replay, projection rebuild")
    .addOption(new Option('--progress', 'draw progress bars on stderr even when it is not a terminal'))
    .addOption(
      new Option('--quiet', 'no progress bars and no summaries on stderr (errors still)').conflicts('progress'),
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .addHelpText(
      'after',
      `
Settings come from the environment: DATABASE_URL (every command but replay), KAFKA_BROKERS and
KAFKA_TOPIC_NAMESPACE (replay). \`npm run cli\` reads .infra.env for those the environment does not set.
${EXIT_CODES_HELP}

Examples:
  $ npm run cli -- export --format csv --out log.csv
  $ npm run cli -- state charge_0193... --as-of 2026-03-01T12:00:00Z
  $ npm run cli -- replay --topic charge --group webhooks-merchant-events --from 2026-03-01T00:00:00Z --dry-run
  $ npm run cli -- rebuild charges.list-view
  $ npm run cli -- balances --as-of 2026-03-31T23:59:59Z --format csv
  $ npm run cli -- statement --merchant mch_0193... --month 2026-03 --out statement.csv
  $ npm run cli -- reconcile --from 2026-03-01 --to 2026-03-02
  $ npm run cli -- report --from 2026-03-01 --to 2026-04-01 --out report.html
  $ npm run cli -- verify
  $ npm run cli -- help export`,
    );
  for (const command of [
    exportCommand,
    stateCommand,
    replayCommand,
    rebuildCommand,
    balancesCommand,
    statementCommand,
    reconcileCommand,
    reportCommand,
    verifyCommand,
  ]) {
    program.addCommand(command(context).addHelpText('after', EXIT_CODES_HELP));
  }
  // Every subcommand writes and fails through the program's settings (commander copies them when added).
  for (const command of program.commands) {
    command.exitOverride().configureOutput(program.configureOutput()).showHelpAfterError('(run with --help for usage)');
  }
  return program.exitOverride();
}

/**
 * Runs the CLI on `argv` (the arguments after the program's name) and returns the exit code; nothing is written but
 * to `io`, and the process is not exited (tests run it in-process).
 */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<ExitCode> {
  const program = buildProgram(io);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT_CODES.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return EXIT_CODES.done;
  } catch (error) {
    return exitCodeOf(error, io);
  }
}

function exitCodeOf(error: unknown, io: CliIo): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version end the run "with an error" that is none; every other one is a usage error (commander has
    // written its message already).
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) {
      return EXIT_CODES.done;
    }
    return EXIT_CODES.usage;
  }
  if (error instanceof CliOutcome) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    io.stderr.write(`${error.message}\n`);
    return EXIT_CODES.usage;
  }
  io.stderr.write(`error: ${describe(error)}\n`);
  return EXIT_CODES.failed;
}

/** A failure at run time in a line: what failed (a refused connection names its address). */
function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** The process entry: runs on the process's arguments and streams, then exits with the code once stdout is out. */
export function main(): void {
  const io = processIo();
  runCli(process.argv.slice(2), io).then(
    (code) => io.stdout.write('', () => process.exit(code)),
    (error: unknown) => {
      io.stderr.write(`error: ${describe(error)}\n`);
      process.exit(EXIT_CODES.failed);
    },
  );
}

if (require.main === module) main();
