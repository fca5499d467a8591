import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import type { EventMetadata } from '@payment-ledger/event-store';
import { exists } from '../domain/charge.decider';
import type { ChargeDeadlineKind } from '../domain/charge-deadlines';
import { PaymentChargeNotFound } from '../domain/charge-errors';
import { ChargeRepository, type ChargeStep } from './charge-repository';

/**
 * A charge's timer came due: fail an unfinished redirect, ask the provider about an async authorization again,
 * release an authorization left uncaptured past the method's capture window, or make again a provider call whose
 * answer was never recorded (same idempotency key). Each is safe to run twice.
 */
@Injectable()
export class RunChargeDeadlineHandler {
  constructor(
    private readonly charges: ChargeRepository,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async handle(chargeId: string, kind: ChargeDeadlineKind): Promise<string[]> {
    const { newEvents } = await this.run(chargeId, kind, { actor: `timer:${kind}` });
    return newEvents.map((e) => e.type);
  }

  /**
   * The provider says (an IPN) that its charge `providerReference` (our authorization) changed: ask it and record
   * the outcome, as the `authorization_check` timer does, for the merchant the notification names. The notification
   * is believed in nothing: the charge comes from the provider's record, the outcome from Get Charge, and another
   * merchant's charge is not found (PaymentChargeNotFound). An authorization no longer pending records nothing; the
   * charge's check timer stays, and finds nothing to do when it fires.
   */
  async recordNotifiedAuthorization(merchantId: string, providerReference: string): Promise<{ events: string[] }> {
    const object = await this.provider.get('authorization', providerReference);
    if (object === null) throw new PaymentChargeNotFound();
    const known = await this.charges.loadOwned(object.chargeId, merchantId);
    const pending = known.state.authorizations.find(
      (a) => a.status === 'PENDING' && a.providerReference === providerReference,
    );
    if (pending === undefined) return { events: [] };
    const metadata = { actor: 'provider-notification' };
    const { newEvents } = await this.recordAuthorizationState(
      object.chargeId,
      known,
      pending.id,
      providerReference,
      metadata,
    );
    return { events: newEvents.map((e) => e.type) };
  }

  /** Asks the provider about an authorization and records its outcome (a still pending one records nothing). */
  private async recordAuthorizationState(
    chargeId: string,
    known: Awaited<ReturnType<ChargeRepository['load']>>,
    authorizationId: string,
    providerReference: string,
    metadata: EventMetadata,
  ): Promise<ChargeStep> {
    const outcome = await this.provider.getAuthorization({ providerReference, now: this.clock.now() });
    return this.charges.execute(
      chargeId,
      { type: 'RecordAuthorizationOutcome', authorizationId, outcome },
      { merchantId: null, metadata, known },
    );
  }

  private async run(chargeId: string, kind: ChargeDeadlineKind, metadata: EventMetadata): Promise<ChargeStep> {
    const options = { merchantId: null, metadata };
    switch (kind) {
      case 'authentication_timeout':
        return this.charges.execute(chargeId, { type: 'ExpireAuthentication' }, options);
      case 'authorization_check': {
        const known = await this.charges.load(chargeId);
        const pending = exists(known.state)
          ? known.state.authorizations.find((a) => a.status === 'PENDING' && a.providerReference !== null)
          : undefined;
        if (!pending?.providerReference) return this.charges.retryProviderCalls(chargeId, metadata);
        return this.recordAuthorizationState(chargeId, known, pending.id, pending.providerReference, metadata);
      }
      case 'capture_window': {
        const voidId = newId('void', this.clock.now().getTime());
        return this.charges.execute(
          chargeId,
          { type: 'VoidCharge', voidId, reason: 'CAPTURE_WINDOW_EXPIRED' },
          options,
        );
      }
      case 'provider_retry':
        return this.charges.retryProviderCalls(chargeId, metadata);
    }
  }
}
