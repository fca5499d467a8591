/**
 * Resident memory of the benches' processes, from /proc (Linux): sampled while a run goes on, and judged flat when
 * the RSS at its end is within 10% of the RSS after warm-up. A collector's sawtooth makes single samples swing by
 * tens of MB, so warm-up and end are medians: of the second fifth of the run (after start-up) and of the last fifth.
 */
import { readFileSync } from 'node:fs';

export interface RssSample {
  /** Seconds from the start of the sampling. */
  at: number;
  rssMb: number;
}

export interface MemoryCurve {
  /** RSS in MB once a second, from the start of the run. */
  rssMbPerSecond: number[];
  warmUpRssMb: number;
  endRssMb: number;
  peakRssMb: number;
  /** End RSS within 10% of the warm-up RSS. */
  flat: boolean;
}

/** A process's resident memory in MB (VmRSS), or undefined once it has exited. */
export function rssMbOf(pid: number): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb > 0 ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The RSS of each named process, in MB with one decimal (a process that has exited is left out). */
export function rssMbNow(pids: Record<string, number>): Record<string, number> {
  const rss: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const mb = rssMbOf(pid);
    if (mb !== undefined) rss[name] = Math.round(mb * 10) / 10;
  }
  return rss;
}

/** Samples the RSS of each named process every `everyMs` until `stop()`, which returns the samples by name. */
export function sampleRss(pids: Record<string, number>, everyMs = 250): { stop: () => Record<string, RssSample[]> } {
  const started = performance.now();
  const samples: Record<string, RssSample[]> = Object.fromEntries(Object.keys(pids).map((name) => [name, []]));
  const timer = setInterval(() => {
    const at = (performance.now() - started) / 1000;
    for (const [name, pid] of Object.entries(pids)) {
      const rssMb = rssMbOf(pid);
      if (rssMb !== undefined) samples[name].push({ at, rssMb });
    }
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

/** The RSS curve of a run `seconds` long and whether it is flat (see the file's comment). */
export function memoryCurve(samples: RssSample[], seconds: number): MemoryCurve {
  const median = (from: number, to: number) => {
    const window = samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.rssMb);
    const sorted = (window.length > 0 ? window : samples.map((s) => s.rssMb)).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const warmUp = median(seconds / 5, (2 * seconds) / 5);
  const end = median((4 * seconds) / 5, seconds);
  const perSecond: number[] = [];
  for (const s of samples) perSecond[Math.floor(s.at)] = Math.round(s.rssMb);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    rssMbPerSecond: perSecond.filter((v) => v !== undefined),
    warmUpRssMb: round(warmUp),
    endRssMb: round(end),
    peakRssMb: round(Math.max(...samples.map((s) => s.rssMb))),
    flat: Math.abs(end - warmUp) <= warmUp * 0.1,
  };
}
