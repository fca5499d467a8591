import { newId } from '@payment-ledger/contracts';
import type { PaymentMethodProvider, ProviderAuthorizationOutcome } from '@payment-ledger/payment-methods';
import type { AuthorizationOutcome, ProviderResult } from '../domain/charge-commands';
import type { ExistingCharge } from '../domain/charge.decider';

export interface AuthorizationStep {
  authorization: AuthorizationOutcome;
  capture?: { captureId: string; result: ProviderResult };
}

/** Captures an authorized automatic-capture charge straight away, as the provider's "authorize and capture". */
export async function captureIfAutomatic(
  provider: PaymentMethodProvider,
  charge: ExistingCharge,
  outcome: ProviderAuthorizationOutcome,
  now: Date,
): Promise<AuthorizationStep> {
  if (outcome.status !== 'AUTHORIZED' || charge.captureMethod !== 'AUTOMATIC') return { authorization: outcome };
  const captureId = newId('capture', now.getTime());
  const result = await provider.capture({
    chargeId: charge.id,
    operationId: captureId,
    authorizationReference: outcome.providerReference,
    amount: charge.amount,
  });
  return { authorization: outcome, capture: { captureId, result } };
}

export async function authorizeAndCapture(
  provider: PaymentMethodProvider,
  charge: ExistingCharge,
  authorizationId: string,
  now: Date,
): Promise<AuthorizationStep> {
  const outcome = await provider.authorize({
    chargeId: charge.id,
    authorizationId,
    amount: charge.amount,
    simulationCode: charge.simulationCode,
    now,
  });
  return captureIfAutomatic(provider, charge, outcome, now);
}
