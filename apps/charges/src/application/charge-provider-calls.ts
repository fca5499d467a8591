import { Inject, Injectable } from '@nestjs/common';
import type { OutsideCalls } from '@payment-ledger/event-store';
import type { ChargeFailure } from '@payment-ledger/contracts';
import {
  PAYMENT_METHOD_PROVIDER,
  type PaymentMethodProvider,
  ProviderOperationRefused,
} from '@payment-ledger/payment-methods';
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
  ProviderAnswer
> {
  constructor(
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {}

  pending(state: ChargeState): ChargeProviderCall[] {
    return pendingProviderCalls(state);
  }

  /**
   * A refusal (the provider did nothing, and will not if asked again) is an answer to record; any other failure
   * (no answer, or an answer lost) leaves the intent pending for a retry with the same key.
   */
  async perform(call: ChargeProviderCall, state: ChargeState): Promise<ProviderAnswer> {
    try {
      return await this.call(call, state);
    } catch (error) {
      if (error instanceof ProviderOperationRefused) return { refused: refusalFailure(error) };
      throw error;
    }
  }

  private call(call: ChargeProviderCall, state: ChargeState): Promise<ProviderAnswer> {
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
          merchantId: state.merchant.id,
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

  record(call: ChargeProviderCall, answer: ProviderAnswer): ChargeCommand {
    if ('refused' in answer) {
      // Only captures and voids are refused this way; an authorization's refusal is its DECLINED outcome.
      if (call.kind === 'capture')
        return { type: 'RecordCaptureRefusal', captureId: call.captureId, failure: answer.refused };
      if (call.kind === 'void') return { type: 'RecordVoidRefusal', voidId: call.voidId, failure: answer.refused };
    }
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

/** What a provider call answered: an authorization outcome, a capture's or void's reference, or a refusal. */
export type ProviderAnswer = AuthorizationOutcome | ProviderResult | { refused: ChargeFailure };

function refusalFailure(error: ProviderOperationRefused): ChargeFailure {
  return {
    failureType: 'PROVIDER_DECLINE',
    failureCode: `${error.operation}_refused`,
    providerFailureCode: error.code,
    failureMessage: error.message,
    isRetryable: false,
  };
}
