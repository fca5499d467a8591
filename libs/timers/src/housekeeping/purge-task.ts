/**
 * Rows a service may delete once they have served their purpose (expired idempotency records, old inbox rows). A
 * provider that has `[PURGE_TASK]` is found by the housekeeping worker of its service (HousekeepingModule) and run
 * on the timer engine, one timer per task, at most one replica at a time.
 */
export const PURGE_TASK = Symbol.for('payment-ledger.purge-task');

export interface PurgeTask {
  /** Names its timer (the key in queue `housekeeping.<service>`) and its log lines. */
  readonly name: string;
  /** Deletes at most `limit` rows that were no longer needed at `now`; returns how many it deleted. */
  purge(now: Date, limit: number): Promise<number>;
}

export interface PurgeTaskSource {
  [PURGE_TASK](): PurgeTask;
}

export function isPurgeTaskSource(value: unknown): value is PurgeTaskSource {
  return (
    typeof value === 'object' && value !== null && typeof (value as Partial<PurgeTaskSource>)[PURGE_TASK] === 'function'
  );
}
