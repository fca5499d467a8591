import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AGREEMENTS_PATTERNS,
  type AgreementCheckoutMessage,
  type ChargeAgreementMessage,
  type CompleteAgreementCheckoutMessage,
  type CreateAgreementMessage,
  type GetAgreementMessage,
  type ListAgreementsMessage,
  type ManyCallsMessage,
  type MarkAgreementPastDueMessage,
  type RevokeAgreementMessage,
  type ScheduledAgreementChargeMessage,
} from '@payment-ledger/contracts';
import { answerEach, RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { JsonLogger } from '@payment-ledger/platform';
import { ChargeAgreementHandler } from '../application/charge-agreement.handler';
import { CompleteAgreementCheckoutHandler } from '../application/complete-agreement-checkout.handler';
import { CreateAgreementHandler } from '../application/create-agreement.handler';
import { ListAgreementsQuery } from '../application/list-agreements.query';
import { ManageAgreementHandler } from '../application/manage-agreement.handler';

/**
 * The agreements service's request/response endpoints (TCP, through the RPC kit: signed commands, and the
 * TenantGuard has refused any merchant pattern without its merchant before a handler runs).
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class AgreementsController {
  constructor(
    private readonly createAgreement: CreateAgreementHandler,
    private readonly chargeAgreement: ChargeAgreementHandler,
    private readonly manage: ManageAgreementHandler,
    private readonly checkout: CompleteAgreementCheckoutHandler,
    private readonly listAgreements: ListAgreementsQuery,
    private readonly logger: JsonLogger,
  ) {}

  @MessagePattern(AGREEMENTS_PATTERNS.create)
  create(@Payload() message: CreateAgreementMessage) {
    return tracedCommand(message, () => this.createAgreement.handle(message));
  }

  @MessagePattern(AGREEMENTS_PATTERNS.get)
  get(@Payload() message: GetAgreementMessage) {
    return tracedCommand(message, () => this.manage.get(message));
  }

  @MessagePattern(AGREEMENTS_PATTERNS.list)
  list(@Payload() message: ListAgreementsMessage) {
    return tracedCommand(message, () => this.listAgreements.handle(message));
  }

  @MessagePattern(AGREEMENTS_PATTERNS.revoke)
  revoke(@Payload() message: RevokeAgreementMessage) {
    return tracedCommand(message, () => this.manage.revoke(message));
  }

  @MessagePattern(AGREEMENTS_PATTERNS.charge)
  charge(@Payload() message: ChargeAgreementMessage) {
    return tracedCommand(message, () => this.chargeAgreement.handle(message));
  }

  /** The scheduler's charge for a period: for whichever merchant owns the agreement. */
  @MessagePattern(AGREEMENTS_PATTERNS.chargeForSchedule)
  chargeForSchedule(@Payload() message: ScheduledAgreementChargeMessage) {
    return tracedCommand(message, () => this.chargeAgreement.handleScheduled(message));
  }

  /** Charges sent together by a coalescing client (the scheduler's billing runs): each answered on its own. */
  @MessagePattern(AGREEMENTS_PATTERNS.chargeForScheduleMany)
  chargeForScheduleMany(@Payload() many: ManyCallsMessage<ScheduledAgreementChargeMessage>) {
    return answerEach(many.messages, (message) => this.chargeForSchedule(message), this.logger);
  }

  @MessagePattern(AGREEMENTS_PATTERNS.markPastDue)
  markPastDue(@Payload() message: MarkAgreementPastDueMessage) {
    return tracedCommand(message, () => this.manage.markPastDue(message));
  }

  @MessagePattern(AGREEMENTS_PATTERNS.checkout)
  checkoutView(@Payload() message: AgreementCheckoutMessage) {
    return tracedCommand(message, () => this.checkout.view(message));
  }

  @MessagePattern(AGREEMENTS_PATTERNS.completeCheckout)
  completeCheckout(@Payload() message: CompleteAgreementCheckoutMessage) {
    return tracedCommand(message, () => this.checkout.complete(message));
  }
}
