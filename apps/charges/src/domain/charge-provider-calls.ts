/**
 * The provider calls a charge has asked for and not yet had answered: each is an intent event whose answer is not
 * recorded. The command loop makes them (its outside calls) right after the intent is appended, and a durable retry
 * makes them again after a crash or a failed call; the operation id recorded in the intent is the call's idempotency
 * key, so the provider does the work once however often it is asked.
 */
import type { Money, SimulationCode } from '@payment-ledger/contracts';
import { type ChargeState, exists } from './charge.decider';

export type ChargeProviderCall =
  | {
      kind: 'authorize';
      idempotencyKey: string;
      authorizationId: string;
      amount: Money;
      simulationCode: SimulationCode | null;
      captureNow: { captureId: string } | null;
    }
  | { kind: 'capture'; idempotencyKey: string; captureId: string; amount: Money; authorizationReference: string }
  | { kind: 'void'; idempotencyKey: string; voidId: string; amount: Money; authorizationReference: string };

export function pendingProviderCalls(state: ChargeState): ChargeProviderCall[] {
  if (!exists(state)) return [];
  const currency = state.amount.currency;
  const calls: ChargeProviderCall[] = [];
  for (const a of state.authorizations) {
    if (a.status !== 'PROCESSING') continue;
    calls.push({
      kind: 'authorize',
      idempotencyKey: a.id,
      authorizationId: a.id,
      amount: { value: a.amount, currency },
      simulationCode: state.simulationCode,
      captureNow: a.captureNow,
    });
  }
  const authorizationReference = state.authorizations.find((a) => a.status === 'AUTHORIZED')?.providerReference;
  if (!authorizationReference) return calls;
  for (const c of state.captures) {
    if (c.status !== 'PROCESSING') continue;
    calls.push({
      kind: 'capture',
      idempotencyKey: c.id,
      captureId: c.id,
      amount: { value: c.amount, currency },
      authorizationReference,
    });
  }
  for (const v of state.voids) {
    if (v.status !== 'PROCESSING') continue;
    calls.push({
      kind: 'void',
      idempotencyKey: v.id,
      voidId: v.id,
      amount: { value: v.amount, currency },
      authorizationReference,
    });
  }
  return calls;
}
