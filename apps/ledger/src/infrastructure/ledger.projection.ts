import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import {
  chargeIdOfRefundStream,
  type LedgerEntryResource,
  parseChargeEvent,
  parseRefundEvent,
} from '@payment-ledger/contracts';
import type { RecordedEvent } from '@payment-ledger/event-store';
import { type ChargePostings, isBalanced, type LedgerEvent, postEvent } from '@payment-ledger/ledger';
import type { Projection } from '@payment-ledger/messaging';
import { JsonLogger } from '@payment-ledger/platform';

/** The projection's name: its checkpoint in `relay_checkpoints`, what the reads wait on, what `rebuild` is given. */
export const LEDGER_PROJECTION = 'ledger.journal';

/** `le_` and the hex of the event id (`evt_<hex>`): an entry's id follows from the one event that posted it. */
export const entryIdOf = (eventId: string): string => `le_${eventId.slice(eventId.indexOf('_') + 1)}`;

/** A charge's postings as stored: the rules' state and how far each of its streams was posted. */
interface StoredPostings {
  state: ChargePostings | null;
  chargeVersion: number;
  refundVersion: number;
  changed: boolean;
}

/**
 * Keeps the ledger (`ledger_entries`, `ledger_lines`, `ledger_charge_postings`) from the global log's `charge` and
 * `refund` streams, through the kit's projection runner: each batch, in one transaction with the checkpoint, is one
 * read of the postings of the charges it touches, the posting rules (libs/ledger `postEvent`) folded over its events
 * in log order, and three multi-row writes. An event at or below its stream's posted version is passed over, and an
 * entry's event id is unique, so processing an event twice posts nothing new (a checkpoint moved back by hand, a
 * replica that lost the lock's race).
 */
@Injectable()
export class LedgerProjection implements Projection {
  readonly name = LEDGER_PROJECTION;
  readonly table = 'ledger_entries';
  readonly companionTables = ['ledger_lines', 'ledger_charge_postings'];
  readonly streamTypes = ['charge', 'refund'];

  constructor(private readonly logger?: JsonLogger) {}

  async apply(
    session: PoolClient,
    events: readonly RecordedEvent[],
    table: string,
    tableOf: (companion: string) => string,
  ): Promise<void> {
    const ledgerEvents = events.flatMap((stored) => {
      const chargeId = chargeIdOf(stored);
      return chargeId ? [{ stored, chargeId }] : [];
    });
    if (ledgerEvents.length === 0) return;
    const postingsTable = tableOf('ledger_charge_postings');
    const ids = [...new Set(ledgerEvents.map((e) => e.chargeId))].sort();
    const { rows } = await session.query<{
      charge_id: string;
      charge_version: number;
      refund_version: number;
      state: ChargePostings;
    }>({
      name: `${postingsTable}.rows`,
      text: `SELECT charge_id, charge_version, refund_version, state FROM ${postingsTable} WHERE charge_id = ANY($1::text[])`,
      values: [ids],
    });
    const postings = new Map<string, StoredPostings>(
      rows.map((r) => [
        r.charge_id,
        { state: r.state, chargeVersion: r.charge_version, refundVersion: r.refund_version, changed: false },
      ]),
    );
    const entries: { entry: LedgerEntryResource; merchantId: string; position: number }[] = [];
    for (const { stored, chargeId } of ledgerEvents) {
      const current = postings.get(chargeId) ?? { state: null, chargeVersion: 0, refundVersion: 0, changed: false };
      const isCharge = stored.streamType === 'charge';
      const posted = isCharge ? current.chargeVersion : current.refundVersion;
      if (stored.streamVersion <= posted) continue;
      const event = isCharge ? parseChargeEvent(stored) : parseRefundEvent(stored);
      const next: StoredPostings = {
        ...current,
        chargeVersion: isCharge ? stored.streamVersion : current.chargeVersion,
        refundVersion: isCharge ? current.refundVersion : stored.streamVersion,
        changed: true,
      };
      if (event) {
        const ledgerEvent: LedgerEvent = { eventId: stored.eventId, chargeId, event };
        const outcome = postEvent(current.state, ledgerEvent);
        next.state = outcome.state;
        if (outcome.entry) {
          if (!isBalanced(outcome.entry)) throw new Error(`unbalanced entry for event ${stored.eventId}`);
          entries.push({
            merchantId: outcome.entry.merchantId,
            position: stored.globalPosition,
            entry: {
              id: entryIdOf(stored.eventId),
              eventId: stored.eventId,
              eventType: stored.type,
              kind: outcome.entry.kind,
              paymentChargeId: chargeId,
              currency: outcome.entry.currency,
              lines: outcome.entry.lines,
              reversesEntryId: outcome.entry.reversesEventId && entryIdOf(outcome.entry.reversesEventId),
              postedAt: stored.recordedAt.toISOString(),
            },
          });
        } else if ('skipped' in outcome && outcome.skipped) {
          this.logger?.event('warn', 'ledger.event_not_posted', {
            reason: outcome.skipped,
            eventId: stored.eventId,
            eventType: stored.type,
            chargeId,
          });
        }
      }
      postings.set(chargeId, next);
    }
    if (entries.length > 0) {
      await insertEntries(session, table, entries);
      await insertLines(session, tableOf('ledger_lines'), entries);
    }
    const changed = [...postings.entries()].filter(([, p]) => p.changed && p.state !== null);
    if (changed.length > 0) await upsertPostings(session, postingsTable, changed);
  }
}

function chargeIdOf(event: RecordedEvent): string | null {
  if (event.streamType === 'charge') return event.streamId.slice('charge:'.length);
  if (event.streamType === 'refund') return chargeIdOfRefundStream(event.streamId);
  return null;
}

type PostedEntry = { entry: LedgerEntryResource; merchantId: string; position: number };

async function insertEntries(session: PoolClient, table: string, entries: PostedEntry[]): Promise<void> {
  await session.query({
    name: `${table}.insert`,
    text: `INSERT INTO ${table}
             (entry_id, event_id, event_position, merchant_id, charge_id, kind, currency, accounts, posted_at, state)
           SELECT e.entry_id, e.event_id, e.event_position, e.merchant_id, e.charge_id, e.kind, e.currency,
                  string_to_array(e.accounts, ' '), e.posted_at, e.state
             FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::timestamptz[], $10::jsonb[])
                  AS e(entry_id, event_id, event_position, merchant_id, charge_id, kind, currency, accounts, posted_at,
                       state)
           ON CONFLICT (entry_id) DO NOTHING`,
    values: [
      entries.map((e) => e.entry.id),
      entries.map((e) => e.entry.eventId),
      entries.map((e) => e.position),
      entries.map((e) => e.merchantId),
      entries.map((e) => e.entry.paymentChargeId),
      entries.map((e) => e.entry.kind),
      entries.map((e) => e.entry.currency),
      // Account names hold no space (`<owner>:<id>:<purpose>`): one string per entry, split by the statement.
      entries.map((e) => [...new Set(e.entry.lines.map((l) => l.account))].sort().join(' ')),
      entries.map((e) => e.entry.postedAt),
      entries.map((e) => JSON.stringify(e.entry)),
    ],
  });
}

async function insertLines(session: PoolClient, table: string, entries: PostedEntry[]): Promise<void> {
  const lines = entries.flatMap(({ entry, merchantId }) =>
    entry.lines.map((line, i) => ({ entry, merchantId, line, lineNo: i + 1 })),
  );
  await session.query({
    name: `${table}.insert`,
    text: `INSERT INTO ${table} (entry_id, line_no, merchant_id, account, currency, debit, credit, posted_at)
           SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                                $7::bigint[], $8::timestamptz[])
           ON CONFLICT (entry_id, line_no) DO NOTHING`,
    values: [
      lines.map((l) => l.entry.id),
      lines.map((l) => l.lineNo),
      lines.map((l) => l.merchantId),
      lines.map((l) => l.line.account),
      lines.map((l) => l.entry.currency),
      lines.map((l) => l.line.debit),
      lines.map((l) => l.line.credit),
      lines.map((l) => l.entry.postedAt),
    ],
  });
}

async function upsertPostings(session: PoolClient, table: string, postings: [string, StoredPostings][]): Promise<void> {
  await session.query({
    name: `${table}.upsert`,
    // GREATEST: a stream's posted version never goes back (events applied again after a checkpoint moved back).
    text: `INSERT INTO ${table} (charge_id, charge_version, refund_version, state)
           SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::jsonb[])
           ON CONFLICT (charge_id) DO UPDATE SET
             charge_version = GREATEST(${table}.charge_version, EXCLUDED.charge_version),
             refund_version = GREATEST(${table}.refund_version, EXCLUDED.refund_version),
             state = EXCLUDED.state`,
    values: [
      postings.map(([id]) => id),
      postings.map(([, p]) => p.chargeVersion),
      postings.map(([, p]) => p.refundVersion),
      postings.map(([, p]) => JSON.stringify(p.state)),
    ],
  });
}
