import { Inject, Injectable } from '@nestjs/common';
import type { OutsideCalls } from '@payment-ledger/event-store';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import type { AuthorizationOutcome, ChargeCommand, ProviderResult } from '../domain/charge-commands';
import type { ChargeState } from '../domain/charge.decider';
import { exists } from '../domain/charge.decider';
import { type ChargeProviderCall, pendingProviderCalls } from '../domain/charge-provider-calls';

/**
 * The provider step of the charge command loop: which calls a charge has pending (its unanswered intents), how each
 * is made (the intent's operation id as the provider's idempotency key), and the command that records each answer.
 */
@Injectable()
export class ChargeProviderCalls implements OutsideCalls<
  ChargeCommand,
  ChargeState,
  ChargeProviderCall,
  AuthorizationOutcome | ProviderResult
> {
  constructor(
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {}

  pending(state: ChargeState): ChargeProviderCall[] {
    return pendingProviderCalls(state);
  }

  perform(call: ChargeProviderCall, state: ChargeState): Promise<AuthorizationOutcome | ProviderResult> {
    if (!exists(state)) throw new Error('a provider call needs a charge');
    switch (call.kind) {
      case 'authorize':
        return this.provider.authorize({
          idempotencyKey: call.idempotencyKey,
          chargeId: state.id,
          authorizationId: call.authorizationId,
          amount: call.amount,
          simulationCode: call.simulationCode,
          captureNow: call.captureNow,
          now: this.clock.now(),
        });
      case 'capture':
        return this.provider.capture({
          idempotencyKey: call.idempotencyKey,
          chargeId: state.id,
          operationId: call.captureId,
          authorizationReference: call.authorizationReference,
          amount: call.amount,
        });
      case 'void':
        return this.provider.void({
          idempotencyKey: call.idempotencyKey,
          chargeId: state.id,
          operationId: call.voidId,
          authorizationReference: call.authorizationReference,
          amount: call.amount,
        });
    }
  }

  record(call: ChargeProviderCall, answer: AuthorizationOutcome | ProviderResult): ChargeCommand {
    switch (call.kind) {
      case 'authorize':
        return {
          type: 'RecordAuthorizationOutcome',
          authorizationId: call.authorizationId,
          outcome: answer as AuthorizationOutcome,
        };
      case 'capture':
        return { type: 'RecordCaptureOutcome', captureId: call.captureId, result: answer as ProviderResult };
      case 'void':
        return { type: 'RecordVoidOutcome', voidId: call.voidId, result: answer as ProviderResult };
    }
  }

  onCallFailed(call: ChargeProviderCall, error: unknown): void {
    // The intent stays pending; the provider_retry timer (read from the log) makes the call again with the same key.
    this.logger.event('warn', 'provider.call_failed', { kind: call.kind, idempotencyKey: call.idempotencyKey, error });
  }
}
