/**
 * The fault suite auditor's checks, as pure functions over what was read (the event log's events, the merchant event
 * log, the webhook receiver's receipts, the load mix's outcomes, the library verifications' results): each returns
 * the violations it finds, so each can be shown to fail on a tampered input (audit-checks.spec.ts).
 */
import type { EventLogVerification } from '@payment-ledger/event-store';
import type { ProjectionVerification } from '@payment-ledger/messaging';
import type { OperationKind, SucceededOperation, UnsettledOperation } from '../support/load-mix';
import type { WebhookReceipt } from '../support/webhook-receiver';

export type CheckName =
  | 'requests reflected once'
  | 'captured within authorized'
  | 'refunds+chargebacks within captured'
  | 'billing period charged once'
  | 'webhooks delivered, signed, in order'
  | 'ledger balanced'
  | 'read models equal the log'
  | 'event log verifies'
  | 'services stayed up';

export const CHECK_NAMES: readonly CheckName[] = [
  'requests reflected once',
  'captured within authorized',
  'refunds+chargebacks within captured',
  'billing period charged once',
  'webhooks delivered, signed, in order',
  'ledger balanced',
  'read models equal the log',
  'event log verifies',
  'services stayed up',
];

export interface Violation {
  check: CheckName;
  detail: string;
}

/** One event of the log, as the auditor reads it. */
export interface LogEvent {
  streamId: string;
  streamVersion: number;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- payloads are read field by field
  data: any;
}

/** One row of the merchant event log (`merchant_events`): what the webhooks service must deliver. */
export interface MerchantEventRow {
  eventId: string;
  objectId: string;
  streamId: string;
  streamVersion: number;
  type: string;
}

const entityOf = (streamId: string) => streamId.slice(streamId.indexOf(':') + 1);
const typeOf = (streamId: string) => streamId.slice(0, streamId.indexOf(':'));

function byStream(events: readonly LogEvent[], streamType: string): Map<string, LogEvent[]> {
  const streams = new Map<string, LogEvent[]>();
  for (const event of events) {
    if (typeOf(event.streamId) !== streamType) continue;
    const list = streams.get(event.streamId);
    if (list) list.push(event);
    else streams.set(event.streamId, [event]);
  }
  for (const list of streams.values()) list.sort((a, b) => a.streamVersion - b.streamVersion);
  return streams;
}

/** How often each value of `key` occurs among the events of `type`, with the stream of its first occurrence. */
function occurrences(events: readonly LogEvent[], type: string, key: (e: LogEvent) => string) {
  const found = new Map<string, { count: number; streamId: string; event: LogEvent }>();
  for (const event of events) {
    if (event.type !== type) continue;
    const id = key(event);
    const seen = found.get(id);
    if (seen) seen.count++;
    else found.set(id, { count: 1, streamId: event.streamId, event });
  }
  return found;
}

/**
 * Every request answered 2xx is in the log exactly once (where the log records it), and the log holds no more such
 * objects than requests that never got a definite answer could explain; one idempotency key never made two objects.
 */
export function checkRequestsReflected(
  succeeded: readonly SucceededOperation[],
  unsettled: readonly UnsettledOperation[],
  events: readonly LogEvent[],
): Violation[] {
  const violations: Violation[] = [];
  const fail = (detail: string) => violations.push({ check: 'requests reflected once', detail });
  const charges = occurrences(events, 'ChargeCreated', (e) => e.data.chargeId);
  const authentications = occurrences(events, 'ChargeAuthenticationCompleted', (e) => entityOf(e.streamId));
  const captures = occurrences(events, 'ChargeCaptureRequested', (e) => e.data.captureId);
  const refunds = occurrences(events, 'RefundRequested', (e) => e.data.refundId);
  const chargebacks = occurrences(events, 'ChargebackOpened', (e) => e.data.chargebackId);
  const agreements = occurrences(events, 'AgreementCreated', (e) => entityOf(e.streamId));
  const activations = occurrences(events, 'AgreementActivated', (e) => entityOf(e.streamId));
  const agreementCharges = occurrences(events, 'AgreementChargeRequested', (e) => e.data.chargeId);

  const keys = new Map<string, string>();
  for (const op of succeeded) {
    if (!op.idempotencyKey) continue;
    const earlier = keys.get(op.idempotencyKey);
    if (earlier !== undefined && earlier !== op.id) {
      fail(`${op.kind}: idempotency key ${op.idempotencyKey} answered 2xx with ${earlier} and with ${op.id}`);
    }
    keys.set(op.idempotencyKey, op.id);
  }

  const once = (
    op: SucceededOperation,
    found: Map<string, { count: number; streamId: string }>,
    what: string,
    key: string,
    stream: string | null,
  ) => {
    const seen = found.get(key);
    if (!seen) return fail(`${op.kind} ${op.id} answered ${op.status}, but the log has no ${what} for it`);
    if (seen.count !== 1) fail(`${op.kind} ${op.id}: ${seen.count} ${what} events (expected exactly one)`);
    if (stream !== null && seen.streamId !== stream) {
      fail(`${op.kind} ${op.id}: its ${what} is on ${seen.streamId}, not on ${stream}`);
    }
  };
  for (const op of succeeded) {
    switch (op.kind) {
      case 'createCharge':
        once(op, charges, 'ChargeCreated', op.id, `charge:${op.id}`);
        break;
      case 'approveCharge':
        once(op, authentications, 'ChargeAuthenticationCompleted', op.id, null);
        break;
      case 'capture':
        once(op, captures, 'ChargeCaptureRequested', op.id, `charge:${op.parentId}`);
        break;
      case 'refund':
        once(op, refunds, 'RefundRequested', op.id, `refund:${op.parentId}`);
        break;
      case 'chargeback':
        once(op, chargebacks, 'ChargebackOpened', op.id, `refund:${op.parentId}`);
        break;
      case 'createAgreement':
        once(op, agreements, 'AgreementCreated', op.id, `agreement:${op.id}`);
        break;
      case 'approveAgreement':
        once(op, activations, 'AgreementActivated', op.id, null);
        break;
      case 'chargeAgreement':
        once(op, agreementCharges, 'AgreementChargeRequested', op.id, `agreement:${op.parentId}`);
        once(op, charges, 'ChargeCreated', op.id, `charge:${op.id}`);
        break;
      case 'advanceTestClock':
        // Test clocks are the scheduler's table, not the log: what they cause is checked by the billing check.
        break;
    }
  }

  // No more objects than answered requests, plus those whose requests got no definite answer.
  const extras = (kind: OperationKind, inLog: Iterable<string>, what: string) => {
    const answered = new Set(succeeded.filter((op) => op.kind === kind).map((op) => op.id));
    const unexplained = [...inLog].filter((id) => !answered.has(id));
    const allowed = unsettled.filter((op) => op.kind === kind).length;
    if (unexplained.length > allowed) {
      fail(
        `${unexplained.length} ${what} in the log that no 2xx answered, but only ${allowed} ${kind} requests ` +
          `went unanswered: ${unexplained.slice(0, 5).join(', ')}`,
      );
    }
  };
  const consumerCharges = [...charges].filter(([, c]) => c.event.data.agreementId === null).map(([id]) => id);
  extras('createCharge', consumerCharges, 'one-time charges');
  extras('capture', captures.keys(), 'captures');
  extras('refund', refunds.keys(), 'refunds');
  extras('chargeback', chargebacks.keys(), 'chargebacks');
  extras('createAgreement', agreements.keys(), 'agreements');
  const merchantCharges = [...agreementCharges]
    .filter(([, c]) => c.event.data.initiator === 'MERCHANT')
    .map(([id]) => id);
  extras('chargeAgreement', merchantCharges, 'merchant-initiated agreement charges');
  return violations;
}

/** No charge captured more than it authorized (nor more than its amount), at any point of its stream. */
export function checkCaptures(events: readonly LogEvent[]): Violation[] {
  const violations: Violation[] = [];
  for (const [streamId, stream] of byStream(events, 'charge')) {
    let amount = Infinity;
    let authorized = 0;
    let captured = 0;
    const captureIds = new Set<string>();
    for (const event of stream) {
      if (event.type === 'ChargeCreated') amount = event.data.amount.value;
      if (event.type === 'ChargeAuthorized') authorized += event.data.amount;
      if (event.type === 'ChargeCaptured') {
        if (captureIds.has(event.data.captureId)) {
          violations.push({
            check: 'captured within authorized',
            detail: `${streamId}: capture ${event.data.captureId} recorded twice (version ${event.streamVersion})`,
          });
        }
        captureIds.add(event.data.captureId);
        captured += event.data.amount;
        if (captured > authorized || captured > amount) {
          violations.push({
            check: 'captured within authorized',
            detail: `${streamId}: captured ${captured} of ${authorized} authorized (amount ${amount}) at version ${event.streamVersion}`,
          });
          break;
        }
      }
    }
  }
  return violations;
}

/** What each charge captured in all, from its stream. */
function capturedByCharge(events: readonly LogEvent[]): Map<string, number> {
  const captured = new Map<string, number>();
  for (const event of events) {
    if (event.type !== 'ChargeCaptured') continue;
    const chargeId = entityOf(event.streamId);
    captured.set(chargeId, (captured.get(chargeId) ?? 0) + event.data.amount);
  }
  return captured;
}

/**
 * Refunds pending or succeeded plus chargebacks open or lost never above what the charge captured, at any point of
 * its refund stream; no refund or chargeback recorded twice.
 */
export function checkRefunds(events: readonly LogEvent[]): Violation[] {
  const violations: Violation[] = [];
  const fail = (detail: string) => violations.push({ check: 'refunds+chargebacks within captured', detail });
  const captured = capturedByCharge(events);
  for (const [streamId, stream] of byStream(events, 'refund')) {
    const chargeId = entityOf(streamId);
    const limit = captured.get(chargeId) ?? 0;
    const refunds = new Map<string, { amount: number; failed: boolean }>();
    const chargebacks = new Map<string, { amount: number; won: boolean }>();
    for (const event of stream) {
      const d = event.data;
      if (event.type === 'RefundRequested') {
        if (refunds.has(d.refundId)) fail(`${streamId}: refund ${d.refundId} requested twice`);
        refunds.set(d.refundId, { amount: d.amount.value, failed: false });
      } else if (event.type === 'RefundFailed') {
        const refund = refunds.get(d.refundId);
        if (refund) refund.failed = true;
      } else if (event.type === 'ChargebackOpened') {
        if (chargebacks.has(d.chargebackId)) fail(`${streamId}: chargeback ${d.chargebackId} opened twice`);
        chargebacks.set(d.chargebackId, { amount: d.amount.value, won: false });
      } else if (event.type === 'ChargebackResolved') {
        const chargeback = chargebacks.get(d.chargebackId);
        if (chargeback) chargeback.won = d.outcome === 'WON';
      } else {
        continue;
      }
      const taken =
        [...refunds.values()].reduce((sum, r) => sum + (r.failed ? 0 : r.amount), 0) +
        [...chargebacks.values()].reduce((sum, c) => sum + (c.won ? 0 : c.amount), 0);
      if (taken > limit) {
        fail(
          `${streamId}: refunds and chargebacks take ${taken} of ${limit} captured at version ${event.streamVersion}`,
        );
        break;
      }
    }
  }
  return violations;
}

/**
 * Every billing period charged at most once: one charge request per period and attempt, at most one of a period's
 * charges captured, at most one BillingPeriodPaid, and no period before the first the schedule bills (the initial
 * charge paid period 0).
 */
export function checkBillingPeriods(events: readonly LogEvent[]): Violation[] {
  const violations: Violation[] = [];
  const fail = (detail: string) => violations.push({ check: 'billing period charged once', detail });
  const captured = capturedByCharge(events);
  for (const [streamId, stream] of byStream(events, 'billing-schedule')) {
    let firstPeriod = 0;
    const attempts = new Set<string>();
    const chargesOf = new Map<number, Set<string>>();
    const paid = new Map<number, number>();
    for (const event of stream) {
      const d = event.data;
      if (event.type === 'BillingScheduleStarted') firstPeriod = d.firstPeriodIndex;
      if (event.type === 'BillingPeriodChargeRequested') {
        const key = `${d.periodIndex}/${d.attempt}`;
        if (attempts.has(key)) fail(`${streamId}: period ${d.periodIndex} attempt ${d.attempt} requested twice`);
        attempts.add(key);
        if (d.periodIndex < firstPeriod)
          fail(`${streamId}: period ${d.periodIndex} billed, before the first (${firstPeriod})`);
        const set = chargesOf.get(d.periodIndex) ?? new Set<string>();
        set.add(d.chargeId);
        chargesOf.set(d.periodIndex, set);
      }
      if (event.type === 'BillingPeriodPaid') paid.set(d.periodIndex, (paid.get(d.periodIndex) ?? 0) + 1);
    }
    for (const [period, charges] of chargesOf) {
      const capturedCharges = [...charges].filter((id) => (captured.get(id) ?? 0) > 0);
      if (capturedCharges.length > 1) {
        fail(
          `${streamId}: period ${period} captured by ${capturedCharges.length} charges: ${capturedCharges.join(', ')}`,
        );
      }
    }
    for (const [period, times] of paid) if (times > 1) fail(`${streamId}: period ${period} paid ${times} times`);
  }
  return violations;
}

/**
 * Every merchant event delivered at least once (a receipt answered 200 whose signature verified), no delivery with a
 * bad signature or of an event the log does not have, and, per object, first deliveries in stream-version order.
 */
export function checkWebhooks(
  merchantEvents: readonly MerchantEventRow[],
  receipts: readonly WebhookReceipt[],
): Violation[] {
  const violations: Violation[] = [];
  const fail = (detail: string) => violations.push({ check: 'webhooks delivered, signed, in order', detail });
  const events = new Map(merchantEvents.map((e) => [e.eventId, e]));
  const delivered = new Set<string>();
  let invalid = 0;
  let unknown = 0;
  for (const receipt of receipts) {
    if (!receipt.valid) {
      if (invalid++ < 5) fail(`delivery of ${receipt.webhookId} with a signature that does not verify`);
      continue;
    }
    const event = events.get(receipt.webhookId);
    if (!event) {
      if (unknown++ < 5) fail(`delivery of ${receipt.webhookId}, which is no event of the merchant's log`);
      continue;
    }
    if (receipt.streamVersion !== null && receipt.streamVersion !== event.streamVersion) {
      fail(
        `delivery of ${receipt.webhookId} says stream version ${receipt.streamVersion}, the log ${event.streamVersion}`,
      );
    }
    if (receipt.answered === 200) delivered.add(receipt.webhookId);
  }
  if (invalid > 5) fail(`… ${invalid} deliveries in all with a bad signature`);
  if (unknown > 5) fail(`… ${unknown} deliveries in all of unknown events`);
  const missing = merchantEvents.filter((e) => !delivered.has(e.eventId));
  if (missing.length > 0) {
    fail(
      `${missing.length} of ${merchantEvents.length} merchant events never delivered: ` +
        missing
          .slice(0, 5)
          .map((e) => `${e.type} ${e.objectId} v${e.streamVersion}`)
          .join(', '),
    );
  }
  // Per object (and stream): the first arrival of each event, in arrival order, must not go back in version.
  const firstArrivals = new Map<string, { version: number; id: string }[]>();
  const seen = new Set<string>();
  for (const receipt of receipts) {
    const event = events.get(receipt.webhookId);
    if (!receipt.valid || !event || seen.has(receipt.webhookId)) continue;
    seen.add(receipt.webhookId);
    const key = `${event.objectId} ${event.streamId}`;
    const list = firstArrivals.get(key) ?? [];
    list.push({ version: event.streamVersion, id: event.eventId });
    firstArrivals.set(key, list);
  }
  let outOfOrder = 0;
  for (const [key, arrivals] of firstArrivals) {
    for (let i = 1; i < arrivals.length; i++) {
      if (arrivals[i].version < arrivals[i - 1].version) {
        if (outOfOrder++ < 5) {
          fail(`${key}: ${arrivals[i].id} (v${arrivals[i].version}) arrived after v${arrivals[i - 1].version}`);
        }
        break;
      }
    }
  }
  return violations;
}

/** Every journal entry balanced and whole, and debits = credits over the whole ledger, per currency. */
export function checkLedger(
  problems: readonly { entryId: string; detail: string }[],
  totals: readonly { currency: string; debits: string; credits: string }[],
  entries: number,
): Violation[] {
  const violations: Violation[] = problems.map((p) => ({
    check: 'ledger balanced' as const,
    detail: `entry ${p.entryId}: ${p.detail}`,
  }));
  for (const total of totals) {
    if (BigInt(total.debits) !== BigInt(total.credits)) {
      violations.push({
        check: 'ledger balanced',
        detail: `${total.currency}: debits ${total.debits} <> credits ${total.credits}`,
      });
    }
  }
  if (entries === 0)
    violations.push({ check: 'ledger balanced', detail: 'the ledger has no entry: it posted nothing' });
  return violations;
}

export function checkReadModels(results: readonly ProjectionVerification[]): Violation[] {
  return results.flatMap((result) =>
    result.differences.map((d) => ({
      check: 'read models equal the log' as const,
      detail:
        `${result.projection} ${d.table}: ${d.unexpected} rows not from the log (${d.unexpectedKeys.join(', ') || '-'}), ` +
        `${d.missing} rows of the log missing or different (${d.missingKeys.join(', ') || '-'})`,
    })),
  );
}

export function checkEventLog(verification: EventLogVerification): Violation[] {
  const violations: Violation[] = verification.violations.map((v) => ({
    check: 'event log verifies' as const,
    detail: `${v.kind} ${v.streamId ?? ''} v${v.streamVersion ?? '-'} position ${v.globalPosition ?? '-'}: ${v.detail}`,
  }));
  if (verification.violationCount > verification.violations.length) {
    violations.push({
      check: 'event log verifies',
      detail: `… and ${verification.violationCount - verification.violations.length} more`,
    });
  }
  return violations;
}
