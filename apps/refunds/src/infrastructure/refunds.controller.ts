import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CreateRefundMessage,
  type GetRefundMessage,
  type ListChargeRefundsMessage,
  type ListRefundsMessage,
  type ManyCallsMessage,
  type OpenChargebackMessage,
  type RecordRefundNotificationMessage,
  REFUNDS_PATTERNS,
  type ResolveChargebackMessage,
} from '@payment-ledger/contracts';
import { answerEach, RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { JsonLogger } from '@payment-ledger/platform';
import { ChargebacksHandler } from '../application/chargebacks.handler';
import { GetRefundQuery } from '../application/get-refund.query';
import { ListRefundsQuery } from '../application/list-refunds.query';
import { RequestRefundHandler } from '../application/request-refund.handler';
import { RunRefundTimerHandler } from '../application/run-refund-timer.handler';

/**
 * The refunds service's request/response endpoints (TCP, through the RPC kit: signed commands, and the TenantGuard has
 * refused any merchant pattern without its merchant before a handler runs), one per command or query.
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class RefundsController {
  constructor(
    private readonly requestRefund: RequestRefundHandler,
    private readonly getRefund: GetRefundQuery,
    private readonly listRefunds: ListRefundsQuery,
    private readonly chargebacks: ChargebacksHandler,
    private readonly refundChecks: RunRefundTimerHandler,
    private readonly logger: JsonLogger,
  ) {}

  @MessagePattern(REFUNDS_PATTERNS.create)
  create(@Payload() message: CreateRefundMessage) {
    return tracedCommand(message, () => this.requestRefund.handle(message));
  }

  /** Creates sent together by a coalescing client (CoalescedServiceCall): each answered on its own. */
  @MessagePattern(REFUNDS_PATTERNS.createMany)
  createMany(@Payload() many: ManyCallsMessage<CreateRefundMessage>) {
    return answerEach(many.messages, (message) => this.create(message), this.logger);
  }

  @MessagePattern(REFUNDS_PATTERNS.get)
  get(@Payload() message: GetRefundMessage) {
    return tracedCommand(message, () => this.getRefund.refund(message));
  }

  @MessagePattern(REFUNDS_PATTERNS.listOfCharge)
  listOfCharge(@Payload() message: ListChargeRefundsMessage) {
    return tracedCommand(message, () => this.getRefund.ofCharge(message));
  }

  @MessagePattern(REFUNDS_PATTERNS.list)
  list(@Payload() message: ListRefundsMessage) {
    return tracedCommand(message, () => this.listRefunds.handle(message));
  }

  @MessagePattern(REFUNDS_PATTERNS.openChargeback)
  openChargeback(@Payload() message: OpenChargebackMessage) {
    return tracedCommand(message, () => this.chargebacks.open(message));
  }

  @MessagePattern(REFUNDS_PATTERNS.resolveChargeback)
  resolveChargeback(@Payload() message: ResolveChargebackMessage) {
    return tracedCommand(message, () => this.chargebacks.resolve(message));
  }

  /**
   * The provider notified that a refund or a chargeback changed (through the webhooks service): asked about and
   * recorded.
   */
  @MessagePattern(REFUNDS_PATTERNS.recordProviderNotification)
  recordProviderNotification(@Payload() message: RecordRefundNotificationMessage) {
    return tracedCommand(message, () =>
      message.objectType === 'CHARGEBACK'
        ? this.chargebacks.recordNotified(message.merchantId, message.objectId, message.correlationId)
        : this.refundChecks.recordNotifiedRefund(message.merchantId, message.objectId),
    );
  }
}
