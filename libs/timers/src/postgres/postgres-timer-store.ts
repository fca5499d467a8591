import type { Pool, PoolClient } from 'pg';
import { LessThanOrEqual, type Repository } from 'typeorm';
import type { ClaimedTimer, ScheduleMode, Settlement, Timer, TimerCounts, TimerKey, TimerStore } from '../core/timer';
import { TimerEntity } from './timer.entity';

/** A timer as stored: its lease (null when free) and its claims since it was last set. */
export interface StoredTimer extends Timer {
  leaseUntil: Date | null;
  attempts: number;
}

/**
 * The `timers` table (TimerEntity). Times are kept to the millisecond (JavaScript's), so the due time and lease a
 * worker claimed identify its claim exactly when it settles: a timer moved meanwhile is not deleted, and a lease taken
 * over by another worker is not touched.
 *
 * What the engine runs stays hand-written SQL on the DataSource's own pool (PG_POOL), one named prepared statement
 * whatever the number of timers: `schedule` (an `unnest` insert with one of three `ON CONFLICT` rules, in the
 * caller's transaction, on every command that sets a deadline), `cancel` and `bringForward` (likewise in the caller's
 * transaction), `claim` (`FOR UPDATE SKIP LOCKED` over two partial indexes, leased by `clock_timestamp()`, every poll
 * of every worker) and `settle` (a data-modifying CTE that deletes, moves or releases a batch of claims, each only if
 * it is still the claim it was). TypeORM's repository cannot express SKIP LOCKED claims with a lease computed in the
 * database, conditional bulk upserts or the settle's compare-and-set; as a loop of entity saves they would be one
 * statement per timer instead of one per batch, on the hottest paths of the charges and the scheduler.
 *
 * Counts (for health and metrics) and listings (ops and tests) go through the entity's repository.
 */
export class PostgresTimerStore implements TimerStore<PoolClient> {
  constructor(
    private readonly pool: Pool,
    private readonly timers: Repository<TimerEntity>,
  ) {}

  async schedule(timers: Timer[], options: { mode?: ScheduleMode; session?: PoolClient } = {}): Promise<void> {
    if (timers.length === 0) return;
    const mode = options.mode ?? 'replace';
    await (options.session ?? this.pool).query({
      name: `timers.schedule.${mode}`,
      text: `INSERT INTO timers (queue, key, kind, due_at)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
             ${ON_CONFLICT[mode]}`,
      values: [
        timers.map((t) => t.queue),
        timers.map((t) => t.key),
        timers.map((t) => t.kind),
        timers.map((t) => t.dueAt),
      ],
    });
  }

  async cancel(keys: TimerKey[], session?: PoolClient): Promise<void> {
    if (keys.length === 0) return;
    await (session ?? this.pool).query({
      name: 'timers.cancel',
      text: `DELETE FROM timers t USING unnest($1::text[], $2::text[], $3::text[]) AS c(queue, key, kind)
              WHERE t.queue = c.queue AND t.key = c.key AND t.kind = c.kind`,
      values: [keys.map((k) => k.queue), keys.map((k) => k.key), keys.map((k) => k.kind)],
    });
  }

  async bringForward(queue: string, key: string, ms: number, session?: PoolClient): Promise<number> {
    const { rowCount } = await (session ?? this.pool).query({
      name: 'timers.bring_forward',
      text: `UPDATE timers SET due_at = due_at - make_interval(secs => $3::double precision / 1000)
              WHERE queue = $1 AND key = $2`,
      values: [queue, key, ms],
    });
    return rowCount ?? 0;
  }

  /**
   * Claims up to `limit` timers of a queue due at `now` (the service clock) for `leaseMs` of real time: unleased ones
   * in due order (through the partial index), and ones whose lease ran out (a crashed worker's, or a failed run's
   * backoff). `SKIP LOCKED`: concurrent claimers take disjoint rows.
   */
  async claim(queue: string, now: Date, limit: number, leaseMs: number): Promise<ClaimedTimer[]> {
    const { rows } = await this.pool.query<{
      key: string;
      kind: string;
      due_at: Date;
      lease_until: Date;
      attempts: number;
    }>({
      name: 'timers.claim',
      text: `WITH unleased AS (
               SELECT key, kind FROM timers
                WHERE queue = $1 AND lease_until IS NULL AND due_at <= $2::timestamptz
                ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED
             ), lease_ran_out AS (
               SELECT key, kind FROM timers
                WHERE queue = $1 AND lease_until < clock_timestamp() AND due_at <= $2::timestamptz
                ORDER BY lease_until LIMIT $3 FOR UPDATE SKIP LOCKED
             ), due AS (
               SELECT key, kind FROM unleased UNION ALL SELECT key, kind FROM lease_ran_out
             )
             UPDATE timers t
                SET lease_until = date_trunc('milliseconds', clock_timestamp())
                                  + make_interval(secs => $4::double precision / 1000),
                    attempts = t.attempts + 1
               FROM due WHERE t.queue = $1 AND t.key = due.key AND t.kind = due.kind
             RETURNING t.key, t.kind, t.due_at, t.lease_until, t.attempts`,
      values: [queue, now, limit, leaseMs],
    });
    return rows.map((r) => ({
      queue,
      key: r.key,
      kind: r.kind,
      dueAt: r.due_at,
      leaseUntil: r.lease_until,
      attempts: r.attempts,
    }));
  }

  /**
   * Ends claims in one statement. A timer still due when it was claimed is deleted (`done`, or rescheduled to
   * nothing) or moved to its next due time with the lease dropped (`reschedule`); a failed one keeps its due time
   * and waits out its backoff as a lease (`retry`). A timer moved while it ran (set again by a command, or brought
   * forward by a test clock) keeps its new time and, if the claim's lease is still on it, is released: it runs again
   * when due, at worst finding nothing to do.
   */
  async settle(settlements: Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    await this.pool.query({
      name: 'timers.settle',
      text: `WITH s AS (
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                                    $6::text[], $7::timestamptz[], $8::double precision[])
                 AS s(queue, key, kind, claimed_due, claimed_lease, outcome, next_due, retry_ms)
             ), gone AS (
               DELETE FROM timers t USING s
                WHERE t.queue = s.queue AND t.key = s.key AND t.kind = s.kind AND t.due_at = s.claimed_due
                  AND (s.outcome = 'done' OR (s.outcome = 'reschedule' AND s.next_due IS NULL))
             )
             UPDATE timers t
                SET due_at = CASE WHEN s.outcome = 'reschedule' AND t.due_at = s.claimed_due THEN s.next_due
                                  ELSE t.due_at END,
                    lease_until = CASE WHEN s.outcome = 'retry' AND t.due_at = s.claimed_due
                                       THEN date_trunc('milliseconds', clock_timestamp())
                                            + make_interval(secs => s.retry_ms / 1000) END,
                    attempts = CASE WHEN s.outcome = 'retry' AND t.due_at = s.claimed_due THEN t.attempts ELSE 0 END
               FROM s
              WHERE t.queue = s.queue AND t.key = s.key AND t.kind = s.kind
                AND NOT (t.due_at = s.claimed_due
                         AND (s.outcome = 'done' OR (s.outcome = 'reschedule' AND s.next_due IS NULL)))
                AND ((t.due_at = s.claimed_due AND s.outcome = 'reschedule') OR t.lease_until = s.claimed_lease)`,
      values: [
        settlements.map((s) => s.timer.queue),
        settlements.map((s) => s.timer.key),
        settlements.map((s) => s.timer.kind),
        settlements.map((s) => s.timer.dueAt),
        settlements.map((s) => s.timer.leaseUntil),
        settlements.map((s) => s.outcome),
        settlements.map((s) => (s.outcome === 'reschedule' ? s.dueAt : null)),
        settlements.map((s) => (s.outcome === 'retry' ? s.afterMs : null)),
      ],
    });
  }

  /** Per queue: timers due at `now`, and those due for more than `lateAfterMs` (late). */
  async counts(now: Date, lateAfterMs: number): Promise<Record<string, TimerCounts>> {
    const rows = await this.timers
      .createQueryBuilder('t')
      .select('t.queue', 'queue')
      .addSelect('count(*)::int', 'due')
      .addSelect('(count(*) FILTER (WHERE t.due_at <= :lateBefore))::int', 'late')
      .where('t.due_at <= :now', { now, lateBefore: new Date(now.getTime() - lateAfterMs) })
      .groupBy('t.queue')
      .getRawMany<{ queue: string; due: number; late: number }>();
    return Object.fromEntries(rows.map((r) => [r.queue, { due: r.due, late: r.late }]));
  }

  /** A queue's timers (of one key, if given), in due order: for ops and tests, not for the engine. */
  async list(queue: string, options: { key?: string; dueBy?: Date } = {}): Promise<StoredTimer[]> {
    const rows = await this.timers.find({
      where: { queue, key: options.key, dueAt: options.dueBy ? LessThanOrEqual(options.dueBy) : undefined },
      order: { dueAt: 'ASC', key: 'ASC', kind: 'ASC' },
    });
    return rows.map((r) => ({
      queue: r.queue,
      key: r.key,
      kind: r.kind,
      dueAt: r.dueAt,
      leaseUntil: r.leaseUntil,
      attempts: r.attempts,
    }));
  }
}

const ON_CONFLICT: Record<ScheduleMode, string> = {
  replace: `ON CONFLICT (queue, key, kind) DO UPDATE SET due_at = EXCLUDED.due_at, lease_until = NULL, attempts = 0`,
  keep: `ON CONFLICT DO NOTHING`,
  earliest: `ON CONFLICT (queue, key, kind) DO UPDATE SET due_at = LEAST(timers.due_at, EXCLUDED.due_at)`,
  // A leased timer's settlement deletes or moves it only while its due time is the one it was claimed at (settle).
  again: `ON CONFLICT (queue, key, kind) DO UPDATE SET due_at = CASE WHEN timers.lease_until IS NULL
            THEN LEAST(timers.due_at, EXCLUDED.due_at)
            ELSE GREATEST(timers.due_at + interval '1 millisecond', EXCLUDED.due_at) END`,
};
