import { Inject, Injectable } from '@nestjs/common';
import { newId } from '@payment-ledger/contracts';
import { PAYMENT_METHOD_PROVIDER, type PaymentMethodProvider } from '@payment-ledger/payment-methods';
import type { ChargeCommand } from '../domain/charge-commands';
import { openAmount } from '../domain/charge.decider';
import type { ChargeDeadlineKind } from '../domain/charge-deadlines';
import { ChargeCommandExecutor } from './charge-command.executor';
import { captureIfAutomatic } from './authorize-and-capture';

/**
 * A charge's timer came due: fail an unfinished redirect, ask the provider about an async authorization again,
 * or release an authorization left uncaptured past the method's capture window. Each is safe to run twice.
 */
@Injectable()
export class RunChargeDeadlineHandler {
  constructor(
    private readonly executor: ChargeCommandExecutor,
    @Inject(PAYMENT_METHOD_PROVIDER) private readonly provider: PaymentMethodProvider,
  ) {}

  async handle(chargeId: string, kind: ChargeDeadlineKind): Promise<string[]> {
    const { newEvents } = await this.executor.execute(
      chargeId,
      null,
      async (charge, now): Promise<ChargeCommand | null> => {
        switch (kind) {
          case 'authentication_timeout':
            return { type: 'ExpireAuthentication' };
          case 'authorization_check': {
            const pending = charge.authorizations.find((a) => a.status === 'PENDING');
            if (charge.status !== 'AUTHORIZATION_ASYNC' || !pending) return null;
            const outcome = await this.provider.resolveAuthorization({
              chargeId,
              authorizationId: pending.id,
              providerReference: pending.providerReference,
              now,
            });
            return { type: 'ResolveAuthorization', ...(await captureIfAutomatic(this.provider, charge, outcome, now)) };
          }
          case 'capture_window': {
            const due = charge.captureExpiresAt !== null && now.getTime() >= Date.parse(charge.captureExpiresAt);
            if (!due || openAmount(charge) === 0 || !['CAPTURE_PENDING', 'CAPTURED'].includes(charge.status)) {
              return null;
            }
            const voidId = newId('void', now.getTime());
            const authorization = charge.authorizations.find((a) => a.status === 'AUTHORIZED');
            const result = await this.provider.void({
              chargeId,
              operationId: voidId,
              authorizationReference: authorization?.providerReference ?? null,
              amount: { value: openAmount(charge), currency: charge.amount.currency },
            });
            return { type: 'VoidCharge', voidId, reason: 'CAPTURE_WINDOW_EXPIRED', result };
          }
        }
      },
      { actor: `timer:${kind}` },
    );
    return newEvents.map((e) => e.type);
  }
}
