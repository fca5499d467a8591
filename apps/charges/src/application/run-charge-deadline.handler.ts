import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import type { EventMetadata } from '@payment-ledger/event-store';
import { exists } from '../domain/charge.decider';
import type { ChargeDeadlineKind } from '../domain/charge-deadlines';
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
        const outcome = await this.provider.getAuthorization({
          providerReference: pending.providerReference,
          now: this.clock.now(),
        });
        return this.charges.execute(
          chargeId,
          { type: 'RecordAuthorizationOutcome', authorizationId: pending.id, outcome },
          { ...options, known },
        );
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
