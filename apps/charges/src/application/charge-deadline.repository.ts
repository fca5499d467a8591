import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@payment-ledger/platform';
import type { ChargeDeadline, ChargeDeadlineKind } from '../domain/charge-deadlines';

export interface DueDeadline {
  chargeId: string;
  kind: ChargeDeadlineKind;
  dueAt: Date;
}

/** The `charge_deadlines` table: timers that survive restarts. */
@Injectable()
export class ChargeDeadlineRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Writes (or moves) a charge's timers: those a command's new events start, before the events are appended. */
  async schedule(chargeId: string, deadlines: ChargeDeadline[]): Promise<void> {
    if (deadlines.length === 0) return;
    await this.pool.query({
      name: 'charge_deadlines.schedule',
      text: `INSERT INTO charge_deadlines (charge_id, kind, due_at)
             SELECT $1, kind, due_at FROM unnest($2::text[], $3::timestamptz[]) AS d(kind, due_at)
             ON CONFLICT (charge_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at, lease_until = NULL`,
      values: [chargeId, deadlines.map((d) => d.kind), deadlines.map((d) => d.dueAt)],
    });
  }

  /**
   * Claims up to `limit` deadlines due at `now` (the service clock) for `leaseMs` of real time. Claimed rows are
   * skipped by other workers until the lease runs out, so a worker that dies mid-way only delays them.
   */
  async claimDue(now: Date, limit: number, leaseMs: number): Promise<DueDeadline[]> {
    const { rows } = await this.pool.query<{ charge_id: string; kind: ChargeDeadlineKind; due_at: Date }>(
      `UPDATE charge_deadlines d SET lease_until = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
       FROM (SELECT charge_id, kind FROM charge_deadlines
              WHERE due_at <= $1 AND (lease_until IS NULL OR lease_until < clock_timestamp())
              ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
       WHERE d.charge_id = due.charge_id AND d.kind = due.kind
       RETURNING d.charge_id, d.kind, d.due_at`,
      [now, limit, leaseMs],
    );
    return rows.map((r) => ({ chargeId: r.charge_id, kind: r.kind, dueAt: r.due_at }));
  }

  /** Removes a deadline once handled, unless it was moved to a new time meanwhile. */
  async complete(deadline: DueDeadline): Promise<void> {
    await this.pool.query('DELETE FROM charge_deadlines WHERE charge_id = $1 AND kind = $2 AND due_at = $3', [
      deadline.chargeId,
      deadline.kind,
      deadline.dueAt,
    ]);
  }
}
