import { Inject, Injectable } from '@nestjs/common';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { refundChecks, type RefundTimerKind } from '../domain/refund-timers';
import { RefundNotFound } from '../domain/refund-errors';
import { RefundRepository } from './refund-repository';

/**
 * A charge's refund timer came due: make again the refund calls whose answer was never recorded (same idempotency
 * keys), or ask the provider about the refunds it accepted to settle later and record what it says. Safe to run
 * twice: an answer is recorded once, for a refund still pending.
 */
@Injectable()
export class RunRefundTimerHandler {
  constructor(
    private readonly refunds: RefundRepository,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * The types of the events it recorded, and when the timer should fire again (null: it is done). A check reschedules
   * its own timer through the timer engine's answer: written over the running timer's row, not beside it.
   */
  async handle(chargeId: string, kind: RefundTimerKind): Promise<{ events: string[]; rescheduleAt: Date | null }> {
    const metadata = { actor: `timer:${kind}` };
    if (kind === 'provider_retry') {
      const { newEvents } = await this.refunds.retryProviderCalls(chargeId, metadata);
      return { events: newEvents.map((e) => e.type), rescheduleAt: null };
    }
    const now = this.clock.now();
    const { state } = await this.refunds.load(chargeId);
    const { due, nextAt } = refundChecks(state, now);
    const { recorded, stillPending } = await this.recordProviderStates(chargeId, due, now, metadata);
    // Refunds still unsettled are asked about again: at the next one's checkAfter, or soon for one past it.
    const again = stillPending ? new Date(now.getTime() + CHECK_AGAIN_AFTER_MS).toISOString() : null;
    const dueAt = [again, nextAt].filter((t): t is string => t !== null).sort()[0];
    return { events: recorded, rescheduleAt: dueAt ? new Date(dueAt) : null };
  }

  /**
   * The provider says (an IPN) that its refund `providerReference` changed: ask it for the refund's state and record
   * it, as the `refund_check` timer does, for the merchant the notification names. The notification itself is
   * believed in nothing: the refund's charge comes from the provider's record, the outcome from Get Refund, and a
   * refund of another merchant's charge is not found (PaymentChargeNotFound), so a notification naming the wrong
   * merchant records nothing. A refund not pending (already recorded, by the timer or an earlier notification)
   * records nothing either. The charge's check timer stays: it finds nothing left to do when it fires.
   */
  async recordNotifiedRefund(merchantId: string, providerReference: string): Promise<{ events: string[] }> {
    const object = await this.provider.get('refund', providerReference);
    if (object === null) throw new RefundNotFound();
    const state = await this.refunds.loadOwned(object.chargeId, merchantId);
    const refund = state.refunds.find((r) => r.id === object.operationId);
    if (refund === undefined) throw new RefundNotFound();
    if (refund.status !== 'REFUND_PENDING' || refund.providerReference !== providerReference) return { events: [] };
    const check = [{ refundId: refund.id, providerReference }];
    const metadata = { actor: 'provider-notification' };
    const { recorded } = await this.recordProviderStates(object.chargeId, check, this.clock.now(), metadata);
    return { events: recorded };
  }

  /** Asks the provider about each refund and records the outcome of those it has settled (the rest stay pending). */
  private async recordProviderStates(
    chargeId: string,
    checks: readonly { refundId: string; providerReference: string }[],
    now: Date,
    metadata: { actor: string },
  ): Promise<{ recorded: string[]; stillPending: boolean }> {
    const recorded: string[] = [];
    let stillPending = false;
    for (const check of checks) {
      const outcome = await this.provider.getRefund({ providerReference: check.providerReference, now });
      if (outcome.status === 'PENDING') {
        stillPending = true;
        continue;
      }
      const { newEvents } = await this.refunds.execute(
        chargeId,
        { type: 'RecordRefundOutcome', refundId: check.refundId, outcome },
        { merchantId: null, metadata, fresh: true },
      );
      recorded.push(...newEvents.map((e) => e.type));
    }
    return { recorded, stillPending };
  }
}

/** How soon a refund the provider still has not settled after its checkAfter is asked about again. */
const CHECK_AGAIN_AFTER_MS = 5_000;
