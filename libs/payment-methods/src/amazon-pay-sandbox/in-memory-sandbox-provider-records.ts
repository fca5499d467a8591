import type { ProviderAuthorizationOutcome, ProviderRefundOutcome } from '../payment-method-provider';
import {
  applyOperation,
  refusalOf,
  type SandboxCharge,
  type SandboxOperation,
  type SandboxOperationType,
  settleIfDue,
} from './sandbox-charge';
import { type RefundBooks, refundRefusalOf, type SandboxRefund, settleRefundIfDue } from './sandbox-refund';
import { type ChargebackBooks, chargebackRefusalOf, type SandboxChargeback } from './sandbox-chargeback';
import type {
  ChargebackOpenAnswer,
  KeyedAnswer,
  NewCharge,
  NewOperation,
  NewRefund,
  Refused,
  RefundRefused,
  SandboxProviderRecords,
} from './sandbox-provider-records';

interface StoredKey {
  operation: string;
  fingerprint: string;
  response: unknown;
}

/** The sandbox's records in memory, for unit tests: the same rules as the PostgreSQL records, in one process. */
export class InMemorySandboxProviderRecords implements SandboxProviderRecords {
  private readonly charges = new Map<string, SandboxCharge>();
  private readonly operations = new Map<string, SandboxOperation>();
  private readonly refunds = new Map<string, SandboxRefund>();
  private readonly keys = new Map<string, StoredKey>();
  private readonly chargebacks = new Map<string, SandboxChargeback>();

  async openCharge(call: NewCharge): Promise<KeyedAnswer<ProviderAuthorizationOutcome>> {
    const prior = this.replay<ProviderAuthorizationOutcome>(call.idempotencyKey);
    if (prior) return prior;
    this.charges.set(call.charge.providerReference, call.charge);
    if (call.capture) this.operations.set(call.capture.providerReference, call.capture);
    this.keys.set(call.idempotencyKey, {
      operation: 'authorize',
      fingerprint: call.fingerprint,
      response: call.response,
    });
    return { status: 'recorded', response: call.response };
  }

  async applyOperation(call: NewOperation): Promise<KeyedAnswer<{ providerReference: string }> | Refused> {
    const prior = this.replay<{ providerReference: string }>(call.idempotencyKey);
    if (prior) return prior;
    const charge = this.charges.get(call.chargeReference) ?? null;
    if (charge === null || refusalOf(call.type, charge, call.amount) !== null) return { status: 'refused', charge };
    const applied = applyOperation(charge, call);
    this.charges.set(charge.providerReference, applied.charge);
    this.operations.set(call.providerReference, applied.operation);
    const response = { providerReference: call.providerReference };
    this.keys.set(call.idempotencyKey, { operation: call.type, fingerprint: call.fingerprint, response });
    return { status: 'recorded', response };
  }

  async settleCharge(providerReference: string, now: Date): Promise<SandboxCharge | null> {
    const charge = this.charges.get(providerReference) ?? null;
    const settled = charge && settleIfDue(charge, now);
    if (!settled) return charge;
    this.charges.set(providerReference, settled.charge);
    if (settled.capture) this.operations.set(settled.capture.providerReference, settled.capture);
    return settled.charge;
  }

  async findCharge(providerReference: string): Promise<SandboxCharge | null> {
    return this.charges.get(providerReference) ?? null;
  }

  async findOperation(type: SandboxOperationType, providerReference: string): Promise<SandboxOperation | null> {
    const operation = this.operations.get(providerReference);
    return operation?.type === type ? operation : null;
  }

  async openRefund(call: NewRefund): Promise<KeyedAnswer<ProviderRefundOutcome> | RefundRefused> {
    const prior = this.replay<ProviderRefundOutcome>(call.idempotencyKey);
    if (prior) return prior;
    const books = this.booksOf(call.refund.chargeId);
    if (refundRefusalOf(call.refund.amount, books) !== null) return { status: 'refused', books };
    this.refunds.set(call.refund.providerReference, call.refund);
    this.keys.set(call.idempotencyKey, { operation: 'refund', fingerprint: call.fingerprint, response: call.response });
    return { status: 'recorded', response: call.response };
  }

  async settleRefund(providerReference: string, now: Date): Promise<SandboxRefund | null> {
    const refund = this.refunds.get(providerReference) ?? null;
    const settled = refund && settleRefundIfDue(refund, now);
    if (!settled) return refund;
    this.refunds.set(providerReference, settled);
    return settled;
  }

  async findRefund(providerReference: string): Promise<SandboxRefund | null> {
    return this.refunds.get(providerReference) ?? null;
  }

  async openChargeback(chargeback: SandboxChargeback): Promise<ChargebackOpenAnswer> {
    const existing = this.chargebackById(chargeback.chargebackId);
    if (existing) return { status: 'existing', chargeback: existing };
    const { captured, refunded } = this.booksOf(chargeback.chargeId);
    let chargedBack = 0;
    for (const other of this.chargebacks.values()) {
      if (other.chargeId === chargeback.chargeId && other.state !== 'WON') chargedBack += other.amount.value;
    }
    const books: ChargebackBooks = { captured, refunded, chargedBack };
    if (chargebackRefusalOf(chargeback.amount, books) !== null) return { status: 'refused', books };
    this.chargebacks.set(chargeback.providerReference, chargeback);
    return { status: 'recorded', chargeback };
  }

  async updateChargeback(
    chargebackId: string,
    decide: (chargeback: SandboxChargeback) => SandboxChargeback | null,
  ): Promise<SandboxChargeback | null> {
    const chargeback = this.chargebackById(chargebackId);
    if (!chargeback) return null;
    const decided = decide(chargeback);
    if (decided === null) return chargeback;
    this.chargebacks.set(decided.providerReference, decided);
    return decided;
  }

  async findChargeback(providerReference: string): Promise<SandboxChargeback | null> {
    return this.chargebacks.get(providerReference) ?? null;
  }

  private chargebackById(chargebackId: string): SandboxChargeback | undefined {
    return [...this.chargebacks.values()].find((c) => c.chargebackId === chargebackId);
  }

  /** How many records of each kind are kept (for tests: a replay makes none). */
  counts(): { charges: number; operations: number; refunds: number; keys: number } {
    return {
      charges: this.charges.size,
      operations: this.operations.size,
      refunds: this.refunds.size,
      keys: this.keys.size,
    };
  }

  private booksOf(chargeId: string): RefundBooks {
    const captures = [...this.operations.values()].filter((o) => o.type === 'capture' && o.chargeId === chargeId);
    const captured =
      captures.length === 0
        ? null
        : { value: captures.reduce((total, c) => total + c.amount.value, 0), currency: captures[0].amount.currency };
    let refunded = 0;
    for (const refund of this.refunds.values()) {
      if (refund.chargeId === chargeId && refund.state !== 'Declined') refunded += refund.amount.value;
    }
    return { captured, refunded };
  }

  private replay<Response>(key: string): KeyedAnswer<Response> | null {
    const stored = this.keys.get(key);
    return stored ? { status: 'replayed', ...stored, response: stored.response as Response } : null;
  }
}
