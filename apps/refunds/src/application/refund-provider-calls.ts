import { Inject, Injectable } from '@nestjs/common';
import type { OutsideCalls } from '@payment-ledger/event-store';
import {
  PAYMENT_METHOD_PROVIDER,
  type PaymentMethodProvider,
  ProviderOperationRefused,
} from '@payment-ledger/payment-methods';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import type { ChargeRefundsState } from '../domain/charge-refunds.decider';
import type { RefundCommand, RefundOutcome } from '../domain/refund-commands';
import { pendingRefundCalls, type RefundProviderCall } from '../domain/refund-provider-calls';

/**
 * The provider step of the refund command loop: which refund calls a charge's refund stream has pending (intents
 * without an answer), how each is made (the refund id as the provider's idempotency key), and the command that
 * records each answer. A refusal (the provider did nothing and will not if asked again) is an answer: the refund
 * FAILED; any other failure leaves the intent pending for a retry with the same key.
 */
@Injectable()
export class RefundProviderCalls implements OutsideCalls<
  RefundCommand,
  ChargeRefundsState,
  RefundProviderCall,
  RefundOutcome
> {
  constructor(
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {}

  pending(state: ChargeRefundsState): RefundProviderCall[] {
    return pendingRefundCalls(state);
  }

  async perform(call: RefundProviderCall): Promise<RefundOutcome> {
    try {
      return await this.provider.refund({
        idempotencyKey: call.idempotencyKey,
        chargeId: call.chargeId,
        refundId: call.refundId,
        amount: call.amount,
        simulationCode: call.simulationCode,
        now: this.clock.now(),
        merchantId: call.merchantId ?? undefined,
      });
    } catch (error) {
      if (!(error instanceof ProviderOperationRefused)) throw error;
      return {
        status: 'DECLINED',
        failure: {
          failureType: 'PROVIDER_DECLINE',
          failureCode: `${error.operation}_refused`,
          providerFailureCode: error.code,
          failureMessage: error.message,
          isRetryable: false,
        },
      };
    }
  }

  record(call: RefundProviderCall, outcome: RefundOutcome): RefundCommand {
    return { type: 'RecordRefundOutcome', refundId: call.refundId, outcome };
  }

  onCallFailed(call: RefundProviderCall, error: unknown): void {
    // The intent stays pending; the provider_retry timer read from the log (RefundTimerFeed) makes the call again
    // with the same key.
    this.logger.event('warn', 'provider.call_failed', { kind: call.kind, idempotencyKey: call.idempotencyKey, error });
  }
}
