import { Injectable } from '@nestjs/common';
import {
  AGREEMENTS_PATTERNS,
  type ChargeFailure,
  type MarkAgreementPastDueMessage,
  type PaymentChargeResource,
  type RemoteError,
  type ScheduledAgreementChargeMessage,
} from '@payment-ledger/contracts';
import { type CoalescedServiceCall, InjectRpcClient, RemoteCallError, type RpcClient } from '@payment-ledger/rpc';

export type ChargeAnswer = { ok: true; charge: PaymentChargeResource } | { ok: false; error: RemoteError };

/**
 * Asks the agreements service to charge an agreement for a period (idempotent by charge id), on the system patterns:
 * the scheduler acts for whichever merchant owns the agreement. The charges of one billing run, asked for at the
 * same time, travel together.
 */
@Injectable()
export class AgreementsGateway {
  private readonly chargeForSchedule: CoalescedServiceCall<ScheduledAgreementChargeMessage, PaymentChargeResource>;

  constructor(@InjectRpcClient('agreements') private readonly agreements: RpcClient) {
    this.chargeForSchedule = agreements.coalesced(
      AGREEMENTS_PATTERNS.chargeForSchedule,
      AGREEMENTS_PATTERNS.chargeForScheduleMany,
    );
  }

  async charge(message: ScheduledAgreementChargeMessage): Promise<ChargeAnswer> {
    try {
      return { ok: true, charge: await this.chargeForSchedule.call(message) };
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
    const message: MarkAgreementPastDueMessage = { agreementId, chargeId, failure, correlationId };
    await this.agreements.send(AGREEMENTS_PATTERNS.markPastDue, message);
  }
}
