import type { Writable } from 'node:stream';

export interface ProgressBarOptions {
  /** What is being done, at the start of the line (`export`, `rebuild charges.list-view`). */
  label: string;
  /** What is counted, per second (`events`). */
  unit?: string;
  /** How many there will be; unknown (undefined), the bar shows the count and the rate only. */
  total?: number;
  /** Redraws at most this often (a terminal line per page of a fast export is a cost of its own). */
  intervalMs?: number;
  /** For tests: the time in milliseconds. */
  now?: () => number;
}

const WIDTH = 24;

/**
 * The CLI's one progress bar, drawn on stderr (stdout stays the command's output): done/total, a bar, the rate and
 * the time left. `drawsOn` says whether to draw at all (a terminal, or `--progress`; never with `--quiet`); a bar
 * that does not draw costs a comparison per update.
 */
export class ProgressBar {
  private done = 0;
  private readonly started: number;
  private lastDrawn = -Infinity;
  private readonly now: () => number;

  constructor(
    private readonly stream: Writable | null,
    private readonly options: ProgressBarOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** Whether a run draws progress: on a terminal unless `--quiet`, anywhere with `--progress`. */
  static drawsOn(flags: { progress?: boolean; quiet?: boolean }, stderrIsTTY: boolean): boolean {
    if (flags.quiet) return false;
    return flags.progress === true || stderrIsTTY;
  }

  /** Whether it draws (worth counting a total for). */
  get draws(): boolean {
    return this.stream !== null;
  }

  setTotal(total: number): void {
    this.options.total = total;
  }

  /** The count so far (not an increment). */
  update(done: number): void {
    this.done = done;
    if (!this.stream) return;
    const at = this.now();
    if (at - this.lastDrawn < (this.options.intervalMs ?? 200)) return;
    this.lastDrawn = at;
    this.stream.write(`\r${this.line(at)}\x1b[K`);
  }

  /** Draws the final count and ends the line. */
  finish(): void {
    if (!this.stream) return;
    this.stream.write(`\r${this.line(this.now())}\x1b[K\n`);
  }

  /** The line as drawn at `at` (exported for its test through `update`/`finish`). */
  line(at: number): string {
    const { label, total, unit = 'events' } = this.options;
    const seconds = Math.max((at - this.started) / 1000, 1e-3);
    const rate = this.done / seconds;
    const parts = [label];
    if (total !== undefined && total > 0) {
      const ratio = Math.min(this.done / total, 1);
      const filled = Math.round(ratio * WIDTH);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}]`);
      parts.push(`${count(this.done)}/${count(total)}`, `${Math.floor(ratio * 100)}%`);
    } else {
      parts.push(count(this.done));
    }
    parts.push(`${count(Math.round(rate))} ${unit}/s`);
    if (total !== undefined && total > 0) {
      const left = Math.max(total - this.done, 0);
      parts.push(`ETA ${rate > 0 ? duration(left / rate) : '?'}`);
    } else {
      parts.push(`${duration(seconds)} elapsed`);
    }
    return parts.join('  ');
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** `7s`, `2m05s`, `1h02m`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
