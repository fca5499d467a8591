import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { INFRASTRUCTURE_CONFIG, type InfrastructureConfig, PG_POOL } from '@payment-ledger/platform';
import { PURGE_TASK, type PurgeTask, type PurgeTaskSource } from '@payment-ledger/timers';

const DAY_MS = 24 * 60 * 60_000;

/**
 * Deletes the inbox rows (every consumer's) older than INBOX_RETENTION_DAYS, run by the service's housekeeping
 * (HousekeepingModule). An inbox row only has to outlive every redelivery of its event: the relay's republishing
 * after a crash (seconds) and a consumer group sent back within the topics' retention (Kafka's default is 7 days), so
 * the retention must stay longer than the topics'. `processed_at` has a BRIN index: the table is written in time
 * order, so the index is a few pages and costs the inserts nothing worth measuring.
 */
@Injectable()
export class InboxPurge implements PurgeTaskSource {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(INFRASTRUCTURE_CONFIG) private readonly config: InfrastructureConfig,
  ) {}

  [PURGE_TASK](): PurgeTask {
    return { name: 'inbox', purge: (now, limit) => this.deleteProcessedBefore(this.cutoff(now), limit) };
  }

  private cutoff(now: Date): Date {
    return new Date(now.getTime() - this.config.INBOX_RETENTION_DAYS * DAY_MS);
  }

  private async deleteProcessedBefore(cutoff: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM inbox i
        USING (SELECT consumer, event_id FROM inbox WHERE processed_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED) old
        WHERE i.consumer = old.consumer AND i.event_id = old.event_id`,
      [cutoff, limit],
    );
    return rowCount ?? 0;
  }
}
