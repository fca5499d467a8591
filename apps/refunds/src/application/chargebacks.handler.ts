import { Inject, Injectable } from '@nestjs/common';
import {
  type ChargebackResource,
  type MerchantContext,
  type OpenChargebackMessage,
  type ResolveChargebackMessage,
  toChargebackResource,
} from '@payment-ledger/contracts';
import {
  PAYMENT_METHOD_PROVIDER,
  type PaymentMethodProvider,
  type ProviderChargeback,
  ProviderObjectNotFound,
  ProviderOperationRefused,
} from '@payment-ledger/payment-methods';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import { type ChargeRefundsState, decide, refundableAmount } from '../domain/charge-refunds.decider';
import type { OpenChargeback, RefundCommand } from '../domain/refund-commands';
import {
  AmountExceedsRefundable,
  ChargebackAlreadyResolved,
  ChargebackNotFound,
  ChargeNotCaptured,
} from '../domain/refund-errors';
import { decideFresh } from './decide-fresh';
import { RefundableChargeReader } from './refundable-charge.reader';
import { RefundRepository } from './refund-repository';

/**
 * Chargebacks as the provider keeps and reports them. The provider holds each chargeback (the sandbox in its own
 * records, migrations 0704) and announces it with an IPN (ObjectType CHARGEBACK); the charge's refund stream records
 * it, under the same rule as refunds, and the charges service shows it.
 *
 * In the sandbox a merchant raises and resolves them through the gateway's sandbox routes (`open`, `resolve`),
 * standing in for the consumer's dispute and the provider's decision: the stream's rule is checked first (a refusal
 * answers as it always did, and nothing is raised), then the sandbox provider records it, then the stream does. The
 * provider's notification of it (`recordNotified`) then finds it recorded and records nothing. A chargeback raised at
 * the provider by any other way reaches the stream through that notification alone, as with the real provider.
 */
@Injectable()
export class ChargebacksHandler {
  constructor(
    private readonly refunds: RefundRepository,
    private readonly charges: RefundableChargeReader,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async open(message: OpenChargebackMessage): Promise<ChargebackResource> {
    const { merchant } = message;
    const { command, state } = await decideFresh(async (fresh) => {
      const charge = await this.charges.read(message.chargeId, merchant.id, { fresh });
      const command: OpenChargeback = {
        type: 'OpenChargeback',
        chargebackId: message.chargebackId,
        merchant: { id: merchant.id, mode: merchant.mode },
        charge,
        amount: message.amount,
        reason: message.reason,
      };
      return { command, state: await this.checkOnStream(message.chargeId, command) };
    });
    try {
      await this.provider.raiseChargeback({
        chargeId: message.chargeId,
        chargebackId: message.chargebackId,
        amount: { value: message.amount, currency: command.charge.currency },
        reason: message.reason,
        now: this.clock.now(),
        merchantId: merchant.id,
      });
    } catch (error) {
      if (!(error instanceof ProviderOperationRefused)) throw error;
      // The provider's books refuse what the stream allowed (a refund it knows of that the stream does not yet).
      if (error.code === 'charge_not_captured') throw new ChargeNotCaptured();
      throw new AmountExceedsRefundable(message.amount, refundableAmount(state, command.charge));
    }
    const step = await decideFresh((fresh) =>
      this.refunds.execute(message.chargeId, command, {
        merchantId: merchant.id,
        metadata: this.metadata(message),
        fresh,
      }),
    );
    return chargeback(step.state, message.chargebackId);
  }

  async resolve(message: ResolveChargebackMessage): Promise<ChargebackResource> {
    const { merchant } = message;
    await this.charges.read(message.chargeId, merchant.id);
    const command: RefundCommand = {
      type: 'ResolveChargeback',
      chargebackId: message.chargebackId,
      merchant: { id: merchant.id, mode: merchant.mode },
      outcome: message.outcome,
    };
    await decideFresh(() => this.checkOnStream(message.chargeId, command));
    try {
      await this.provider.resolveChargeback({
        chargebackId: message.chargebackId,
        outcome: message.outcome,
        now: this.clock.now(),
        merchantId: merchant.id,
      });
    } catch (error) {
      if (error instanceof ProviderOperationRefused && error.code === 'chargeback_already_resolved') {
        throw new ChargebackAlreadyResolved(message.outcome === 'WON' ? 'LOST' : 'WON');
      }
      // A chargeback raised before the sandbox provider kept them is on the stream only: it is decided there alone.
      if (!(error instanceof ProviderObjectNotFound)) throw error;
    }
    const { state } = await decideFresh((fresh) =>
      this.refunds.execute(message.chargeId, command, {
        merchantId: merchant.id,
        metadata: this.metadata(message),
        fresh,
      }),
    );
    return chargeback(state, message.chargebackId);
  }

  /**
   * The provider notified (an IPN, through the webhooks service) that its chargeback `providerReference` was opened
   * or resolved: ask it for the chargeback (Get Chargeback) and record what it says, for the merchant the
   * notification names. The notification is believed in nothing: the chargeback's charge, amount and state come from
   * the provider; a chargeback of another merchant's charge is not found (PaymentChargeNotFound), so a notification
   * naming the wrong merchant records nothing; one already on the stream (raised through the sandbox routes, or
   * notified before) records nothing again.
   *
   * Recorded as the sandbox merchant's: chargebacks exist only at the sandbox provider (the stream's rule keeps them
   * to sandbox merchants), and this is the sandbox provider answering.
   */
  async recordNotified(
    merchantId: string,
    providerReference: string,
    correlationId: string,
  ): Promise<{ events: string[] }> {
    const found = await this.providerChargeback(providerReference);
    const chargeId = found.chargeId;
    const charge = await this.charges.read(chargeId, merchantId, { fresh: true });
    const merchant: Pick<MerchantContext, 'id' | 'mode'> = { id: merchantId, mode: 'SANDBOX' };
    const options = {
      merchantId,
      metadata: { correlationId, merchantId, actor: 'provider-notification' },
      fresh: true,
    };
    const opened = await this.refunds.execute(
      chargeId,
      {
        type: 'OpenChargeback',
        chargebackId: found.chargebackId,
        merchant,
        charge,
        amount: found.amount.value,
        reason: found.reason,
      },
      options,
    );
    const events = opened.newEvents.map((e) => e.type);
    if (found.state === 'OPEN') return { events };
    const resolved = await this.refunds.execute(
      chargeId,
      { type: 'ResolveChargeback', chargebackId: found.chargebackId, merchant, outcome: found.state },
      options,
    );
    return { events: [...events, ...resolved.newEvents.map((e) => e.type)] };
  }

  /**
   * The stream's rule for the command on the stream as it stands, nothing appended: its refusal is the answer, before
   * the provider is asked for anything. The state it was checked on.
   */
  private async checkOnStream(chargeId: string, command: RefundCommand): Promise<ChargeRefundsState> {
    const { state } = await this.refunds.load(chargeId);
    decide(command, state, this.clock.now());
    return state;
  }

  private async providerChargeback(providerReference: string): Promise<ProviderChargeback> {
    try {
      return await this.provider.getChargeback({ providerReference });
    } catch (error) {
      if (error instanceof ProviderObjectNotFound) throw new ChargebackNotFound();
      throw error;
    }
  }

  private metadata(message: OpenChargebackMessage | ResolveChargebackMessage) {
    return {
      correlationId: message.correlationId,
      merchantId: message.merchant.id,
      idempotencyKey: message.idempotencyKey,
      actor: 'provider:sandbox',
    };
  }
}

function chargeback(state: ChargeRefundsState, chargebackId: string): ChargebackResource {
  const found = state.chargebacks.find((c) => c.id === chargebackId);
  if (!found) throw new ChargebackNotFound();
  return toChargebackResource(found);
}
