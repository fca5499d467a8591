/** What a load run (closed-loop autocannon or the open-loop generator) reports. */
export interface LoadRun {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Answers by HTTP status. */
  statuses: Record<number, number>;
  seconds: number;
  /** Milliseconds per answered request, sorted ascending. */
  latencies: number[];
}

/** How many answers were 2xx. */
export function okAnswers(statuses: Record<number, number>): number {
  return Object.entries(statuses)
    .filter(([status]) => Number(status) >= 200 && Number(status) < 300)
    .reduce((sum, [, n]) => sum + n, 0);
}
