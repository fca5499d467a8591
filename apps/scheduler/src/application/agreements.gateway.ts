import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ClientProxy } from '@nestjs/microservices';
import {
  AGREEMENTS_PATTERNS,
  type ChargeAgreementMessage,
  type ChargeFailure,
  type PaymentChargeResource,
  type RemoteError,
} from '@payment-ledger/contracts';
import { CoalescedServiceCall, callService, RemoteCallError } from '@payment-ledger/messaging';
import { SCHEDULER_CONFIG, type SchedulerConfig } from '../scheduler.config';

export const AGREEMENTS_SERVICE = Symbol('AgreementsService');

export type ChargeAnswer = { ok: true; charge: PaymentChargeResource } | { ok: false; error: RemoteError };

/**
 * Asks the agreements service to charge an agreement for a period (idempotent by charge id). The charges of one
 * billing run, asked for at the same time, travel together.
 */
@Injectable()
export class AgreementsGateway implements OnApplicationShutdown {
  private readonly chargeAgreement: CoalescedServiceCall<ChargeAgreementMessage, PaymentChargeResource>;

  constructor(
    @Inject(AGREEMENTS_SERVICE) private readonly proxy: ClientProxy,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
  ) {
    this.chargeAgreement = new CoalescedServiceCall(
      proxy,
      { one: AGREEMENTS_PATTERNS.charge, many: AGREEMENTS_PATTERNS.chargeMany },
      config.SERVICE_CALL_TIMEOUT_MS,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await this.proxy.close();
  }

  async charge(message: ChargeAgreementMessage): Promise<ChargeAnswer> {
    try {
      return { ok: true, charge: await this.chargeAgreement.call(message) };
    } catch (error) {
      if (error instanceof RemoteCallError) return { ok: false, error };
      throw error;
    }
  }

  async markPastDue(
    agreementId: string,
    chargeId: string,
    failure: ChargeFailure,
    correlationId: string,
  ): Promise<void> {
    await callService(
      this.proxy,
      AGREEMENTS_PATTERNS.markPastDue,
      { agreementId, chargeId, failure, correlationId },
      this.config.SERVICE_CALL_TIMEOUT_MS,
    );
  }
}
