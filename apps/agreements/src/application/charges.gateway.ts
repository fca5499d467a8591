import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { CHARGES_PATTERNS, type PaymentChargeResource, type RemoteError } from '@payment-ledger/contracts';
import { AGREEMENTS_CONFIG, type AgreementsConfig } from '../agreements.config';
import type { AgreementCharge, ExistingAgreement } from '../domain/agreement.decider';

export const CHARGES_SERVICE = Symbol('ChargesService');

/** A failure the charges service answered with (passed on as is) or could not answer (unavailable). */
export class ChargesCallFailed extends Error implements RemoteError {
  readonly status: number;
  readonly failureCode: string;
  readonly failureMessage: string;
  readonly field?: string;
  constructor(remote: RemoteError) {
    super(remote.failureMessage);
    this.status = remote.status;
    this.failureCode = remote.failureCode;
    this.failureMessage = remote.failureMessage;
    this.field = remote.field;
  }
}

/** Asks the charges service (which owns charges) to make an agreement's charge; idempotent by charge id. */
@Injectable()
export class ChargesGateway implements OnApplicationShutdown {
  constructor(
    @Inject(CHARGES_SERVICE) private readonly proxy: ClientProxy,
    @Inject(AGREEMENTS_CONFIG) private readonly config: AgreementsConfig,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  async createCharge(
    agreement: ExistingAgreement,
    charge: AgreementCharge,
    correlationId: string,
  ): Promise<PaymentChargeResource> {
    try {
      return await firstValueFrom(
        this.proxy
          .send<PaymentChargeResource>(CHARGES_PATTERNS.createMerchantInitiated, {
            correlationId,
            idempotencyKey: `${agreement.id}:${charge.chargeId}`,
            merchant: agreement.merchant,
            chargeId: charge.chargeId,
            agreementId: agreement.id,
            instrumentId: agreement.instrumentId,
            paymentMethod: agreement.paymentMethod,
            amount: charge.amount,
            consumer: agreement.consumer,
            webhooksUrl: agreement.webhooksUrl,
            merchantPaymentChargeReference: charge.merchantPaymentChargeReference,
            simulationCode: charge.simulationCode,
          })
          .pipe(timeout(this.config.SERVICE_CALL_TIMEOUT_MS)),
      );
    } catch (error) {
      const remote = error as Partial<RemoteError> | null;
      if (typeof remote?.status === 'number' && typeof remote.failureCode === 'string') {
        throw new ChargesCallFailed(remote as RemoteError);
      }
      throw new ChargesCallFailed({
        status: 503,
        failureCode: 'service_unavailable',
        failureMessage: 'The charges service is unavailable',
      });
    }
  }
}
