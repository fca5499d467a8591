/**
 * CPU accounting from /proc (Linux) for the benches: which process spends the machine's cores during a measured
 * window. Our services are named by pid; PostgreSQL and Kafka are found by their command lines; the bench process
 * itself is `loadgen`; whatever else the machine did is `other`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function processTicks(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

function commandOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** CPU ticks by process id (with the component it belongs to) and the machine's busy and total ticks. */
export type CpuSnapshot = { processes: Map<string, { component: string; ticks: number }>; busy: number; total: number };

/** `services` names our own processes by pid, e.g. `{ gateway: 1234, charges: 1240 }`. */
export function cpuSnapshot(services: Record<string, number | undefined>): CpuSnapshot | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  const byPid = new Map(Object.entries(services).map(([name, pid]) => [String(pid), name]));
  const processes = new Map<string, { component: string; ticks: number }>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let component = byPid.get(pid);
    if (!component && pid === String(process.pid)) component = 'loadgen';
    if (!component) {
      const cmd = commandOf(pid);
      if (/^postgres[: ]|\/postgres /.test(cmd)) component = 'postgres';
      else if (cmd.includes('kafka.Kafka')) component = 'kafka';
    }
    if (!component) continue;
    const ticks = processTicks(pid);
    if (ticks !== undefined) processes.set(pid, { component, ticks });
  }
  const cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = cpuLine[3] + (cpuLine[4] ?? 0);
  const total = cpuLine.slice(0, 8).reduce((a, b) => a + b, 0);
  return { processes, busy: total - idle, total };
}

/**
 * CPU milliseconds per unit of work (a request, a charge) by component between two snapshots, and the share of
 * the machine's CPU that was busy. A process that exited in between is lost (its time lands in `other`).
 */
export function cpuPerUnit(
  before: CpuSnapshot | undefined,
  after: CpuSnapshot | undefined,
  units: number,
): { cpuMsPerUnit?: Record<string, number>; machineCpuBusy?: number } {
  if (!before || !after || units === 0) return {};
  const ms = (ticks: number) => (ticks * 1000) / CLOCK_TICKS;
  const spent: Record<string, number> = {};
  let attributed = 0;
  for (const [pid, { component, ticks }] of after.processes) {
    const delta = ticks - (before.processes.get(pid)?.ticks ?? 0);
    spent[component] = (spent[component] ?? 0) + delta;
    attributed += delta;
  }
  const busy = after.busy - before.busy;
  spent.other = Math.max(0, busy - attributed);
  const perUnit: Record<string, number> = {};
  for (const [component, ticks] of Object.entries(spent)) perUnit[component] = Number((ms(ticks) / units).toFixed(3));
  return { cpuMsPerUnit: perUnit, machineCpuBusy: Number((busy / Math.max(1, after.total - before.total)).toFixed(2)) };
}

/**
 * How fast this machine runs plain JavaScript right now: milliseconds for a fixed loop (best of three). Hosts of
 * the same kind have been seen to run up to twice as slow from one hour to the next, so each result records it and
 * results are compared against their own calibration, not only against each other.
 */
export function cpuCalibrationMs(): number {
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint();
    let sink = 0;
    for (let i = 0; i < 100_000_000; i++) sink += i % 7;
    if (sink < 0) throw new Error('unreachable');
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return Math.round(best);
}
