import type { ProviderAuthorizationOutcome } from '../payment-method-provider';
import {
  applyOperation,
  refusalOf,
  type SandboxCharge,
  type SandboxOperation,
  type SandboxOperationType,
  settleIfDue,
} from './sandbox-charge';
import type { KeyedAnswer, NewCharge, NewOperation, Refused, SandboxProviderRecords } from './sandbox-provider-records';

interface StoredKey {
  operation: string;
  fingerprint: string;
  response: unknown;
}

/** The sandbox's records in memory, for unit tests: the same rules as the PostgreSQL records, in one process. */
export class InMemorySandboxProviderRecords implements SandboxProviderRecords {
  private readonly charges = new Map<string, SandboxCharge>();
  private readonly operations = new Map<string, SandboxOperation>();
  private readonly keys = new Map<string, StoredKey>();

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

  /** How many records of each kind are kept (for tests: a replay makes none). */
  counts(): { charges: number; operations: number; keys: number } {
    return { charges: this.charges.size, operations: this.operations.size, keys: this.keys.size };
  }

  private replay<Response>(key: string): KeyedAnswer<Response> | null {
    const stored = this.keys.get(key);
    return stored ? { status: 'replayed', ...stored, response: stored.response as Response } : null;
  }
}
