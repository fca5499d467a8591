import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import {
  AGREEMENTS_PATTERNS,
  type ChargeAgreementMessage,
  type ChargeFailure,
  type PaymentChargeResource,
  type RemoteError,
} from '@payment-ledger/contracts';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';

export const AGREEMENTS_SERVICE = Symbol('AgreementsService');

export type ChargeAnswer = { ok: true; charge: PaymentChargeResource } | { ok: false; error: RemoteError };

/** Asks the agreements service to charge an agreement for a period (idempotent by charge id). */
@Injectable()
export class AgreementsGateway implements OnApplicationShutdown {
  constructor(
    @Inject(AGREEMENTS_SERVICE) private readonly proxy: ClientProxy,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  async charge(message: ChargeAgreementMessage): Promise<ChargeAnswer> {
    try {
      return { ok: true, charge: await this.send<PaymentChargeResource>(AGREEMENTS_PATTERNS.charge, message) };
    } catch (error) {
      return { ok: false, error: toRemoteError(error) };
    }
  }

  async markPastDue(
    agreementId: string,
    chargeId: string,
    failure: ChargeFailure,
    correlationId: string,
  ): Promise<void> {
    await this.send(AGREEMENTS_PATTERNS.markPastDue, { agreementId, chargeId, failure, correlationId });
  }

  private send<T>(pattern: string, message: object): Promise<T> {
    return firstValueFrom(this.proxy.send<T>(pattern, message).pipe(timeout(this.config.SERVICE_CALL_TIMEOUT_MS)));
  }
}

function toRemoteError(error: unknown): RemoteError {
  const e = error as Partial<RemoteError> | null;
  if (typeof e?.status === 'number' && typeof e.failureCode === 'string') return e as RemoteError;
  return {
    status: 503,
    failureCode: 'service_unavailable',
    failureMessage: String((error as Error)?.message ?? error),
  };
}
