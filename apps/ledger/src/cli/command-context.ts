import type { CliIo } from './cli-io';
import { ProgressBar, type ProgressBarOptions } from './progress-bar';

/** What every command gets: the run's streams and settings, and the program's own flags. */
export interface CommandContext {
  io: CliIo;
  /** `--progress` / `--quiet`, read when the command runs (they are the program's options). */
  flags(): { progress?: boolean; quiet?: boolean };
}

/** A progress bar on stderr that draws when the flags and the terminal say so (else it draws nothing). */
export function progressBar(context: CommandContext, options: ProgressBarOptions): ProgressBar {
  const draws = ProgressBar.drawsOn(context.flags(), context.io.stderrIsTTY);
  return new ProgressBar(draws ? context.io.stderr : null, options);
}

/** A line for the person running the command (stderr), unless `--quiet`. */
export function say(context: CommandContext, line: string): void {
  if (!context.flags().quiet) context.io.stderr.write(`${line}\n`);
}
