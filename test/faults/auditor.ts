/**
 * The fault suite's auditor: reads the event log, the merchant event log and the ledger from the suite's database
 * (as the schema's owner: verifying a read model builds fresh copies beside it), runs the library verifications
 * (verifyEventLog, verifyProjection over every rebuildable read model, the ledger's entry check) and the pure checks
 * of audit-checks.ts over them, the load mix's outcomes and the webhook receiver's receipts.
 */
import type { Admin } from 'kafkajs';
import type { Pool } from 'pg';
import { PostgresEventStore, verifyEventLog } from '@payment-ledger/event-store';
import { verifyProjection } from '@payment-ledger/messaging';
import { findLedgerEntryProblems } from '../../apps/ledger/src/infrastructure/ledger-integrity';
import { REBUILDABLE_PROJECTIONS } from '../../apps/ledger/src/cli/rebuildable-projections';
import { MERCHANT_EVENT_LOG_PROJECTION } from '../../apps/webhooks/src/infrastructure/merchant-event-log.projection';
import type { LoadMix } from '../support/load-mix';
import type { WebhookReceipt } from '../support/webhook-receiver';
import {
  checkBillingPeriods,
  checkCaptures,
  checkEventLog,
  checkLedger,
  checkReadModels,
  checkRefunds,
  checkRequestsReflected,
  checkWebhooks,
  type LogEvent,
  type MerchantEventRow,
  type Violation,
} from './audit-checks';

export async function readLog(pool: Pool): Promise<LogEvent[]> {
  const { rows } = await pool.query<LogEvent>(
    `SELECT stream_id AS "streamId", stream_version AS "streamVersion", event_type AS type, data
       FROM events ORDER BY global_position`,
  );
  return rows;
}

/** The merchant event log brought to the log's head (as verifying it does), then read. */
export async function merchantEventsAtHead(pool: Pool, merchantId: string): Promise<MerchantEventRow[]> {
  const store = new PostgresEventStore(pool, { coalesce: false });
  await verifyProjection(pool, store, REBUILDABLE_PROJECTIONS[MERCHANT_EVENT_LOG_PROJECTION](store));
  return readMerchantEvents(pool, merchantId);
}

export async function readMerchantEvents(pool: Pool, merchantId: string): Promise<MerchantEventRow[]> {
  const { rows } = await pool.query<MerchantEventRow>(
    `SELECT event_id AS "eventId", object_id AS "objectId", stream_id AS "streamId", stream_version AS "streamVersion",
            type
       FROM merchant_events WHERE merchant_id = $1 ORDER BY global_position NULLS LAST, event_id`,
    [merchantId],
  );
  return rows;
}

export interface AuditResult {
  violations: Violation[];
  events: number;
  merchantEvents: number;
  receipts: number;
  ledgerEntries: number;
}

export async function audit(
  pool: Pool,
  inputs: { merchantId: string; load: LoadMix; receipts: readonly WebhookReceipt[] },
): Promise<AuditResult> {
  const events = await readLog(pool);
  const violations: Violation[] = [
    ...checkRequestsReflected(inputs.load.succeeded, inputs.load.unsettled, events),
    ...checkCaptures(events),
    ...checkRefunds(events),
    ...checkBillingPeriods(events),
  ];
  const problems = await findLedgerEntryProblems(pool);
  const totals = await pool.query<{ currency: string; debits: string; credits: string }>(
    `SELECT currency, sum(debit)::text AS debits, sum(credit)::text AS credits FROM ledger_lines GROUP BY currency`,
  );
  const entries = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger_entries')).rows[0].n);
  violations.push(...checkLedger(problems, totals.rows, entries));
  // Verifying a read model brings its live table to the log's head first: after it, the merchant event log is what
  // the log gives, the events the webhooks service must have delivered (from Kafka, not from that table).
  const store = new PostgresEventStore(pool, { coalesce: false });
  const verified = [];
  for (const make of Object.values(REBUILDABLE_PROJECTIONS))
    verified.push(await verifyProjection(pool, store, make(store)));
  violations.push(...checkReadModels(verified));
  const merchantEvents = await readMerchantEvents(pool, inputs.merchantId);
  violations.push(...checkWebhooks(merchantEvents, inputs.receipts));
  violations.push(...checkEventLog(await verifyEventLog(pool)));
  return {
    violations,
    events: events.length,
    merchantEvents: merchantEvents.length,
    receipts: inputs.receipts.length,
    ledgerEntries: entries,
  };
}

/**
 * What helps read a failed run, written beside the services' logs: deliveries by status and the stuck lanes' heads,
 * the relays' and projections' checkpoints against the log's head, and each consumer group's lag per topic.
 */
export async function diagnostics(pool: Pool, admin: Admin): Promise<object> {
  const rows = async (sql: string) => (await pool.query(sql).catch((error: Error) => ({ rows: [error.message] }))).rows;
  const groups: Record<string, unknown> = {};
  try {
    await admin.connect();
    for (const { groupId } of (await admin.listGroups()).groups) {
      const lag: Record<string, unknown> = {};
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId })) {
        const high = await admin.fetchTopicOffsets(topic);
        lag[topic] = partitions.map((p) => ({
          partition: p.partition,
          committed: p.offset,
          high: high.find((h) => h.partition === p.partition)?.high,
        }));
      }
      const [described] = (await admin.describeGroups([groupId])).groups;
      groups[groupId] = { state: described?.state, members: described?.members.length, lag };
    }
  } catch (error) {
    groups.error = (error as Error).message;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return {
    logHead: await rows('SELECT max(global_position) AS head, count(*) AS events FROM events'),
    deliveries: await rows(
      `SELECT status, count(*) AS n, max(attempts) AS max_attempts, min(next_attempt_at) AS next FROM webhook_deliveries GROUP BY status`,
    ),
    pendingLanes: await rows(
      `SELECT lane, count(*) AS pending, min(next_attempt_at) AS next, max(attempts) AS attempts
         FROM webhook_deliveries WHERE status = 'PENDING' GROUP BY lane ORDER BY pending DESC LIMIT 20`,
    ),
    checkpoints: await rows('SELECT to_jsonb(c) AS checkpoint FROM relay_checkpoints c'),
    consumerGroups: groups,
  };
}
