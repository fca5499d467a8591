import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type CaptureChargeMessage,
  CHARGES_PATTERNS,
  type CheckoutMessage,
  type CompleteCheckoutMessage,
  type CreateChargeMessage,
  type CreateMerchantInitiatedChargeMessage,
  type GetChargeMessage,
  type GetOperationMessage,
  type ListChargeOperationsMessage,
  type ListChargesMessage,
  type ManyCallsMessage,
  type RecordChargeNotificationMessage,
  type VoidChargeMessage,
} from '@payment-ledger/contracts';
import { answerEach, RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { JsonLogger } from '@payment-ledger/platform';
import { CaptureChargeHandler } from '../application/capture-charge.handler';
import { CompleteCheckoutHandler } from '../application/complete-checkout.handler';
import { CreateChargeHandler } from '../application/create-charge.handler';
import { CreateMerchantInitiatedChargeHandler } from '../application/create-merchant-initiated-charge.handler';
import { GetChargeQuery } from '../application/get-charge.query';
import { ListChargesQuery } from '../application/list-charges.query';
import { RunChargeDeadlineHandler } from '../application/run-charge-deadline.handler';
import { VoidChargeHandler } from '../application/void-charge.handler';

/**
 * The charges service's request/response endpoints (TCP, through the RPC kit: signed commands, and the TenantGuard has
 * refused any merchant pattern without its merchant before a handler runs), one per command or query.
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class ChargesController {
  constructor(
    private readonly createCharge: CreateChargeHandler,
    private readonly createMerchantInitiated: CreateMerchantInitiatedChargeHandler,
    private readonly captureCharge: CaptureChargeHandler,
    private readonly voidCharge: VoidChargeHandler,
    private readonly checkout: CompleteCheckoutHandler,
    private readonly getCharge: GetChargeQuery,
    private readonly listCharges: ListChargesQuery,
    private readonly deadlines: RunChargeDeadlineHandler,
    private readonly logger: JsonLogger,
  ) {}

  @MessagePattern(CHARGES_PATTERNS.create)
  create(@Payload() message: CreateChargeMessage) {
    return tracedCommand(message, () => this.createCharge.handle(message));
  }

  /** Creates sent together by a coalescing client (CoalescedServiceCall): each answered on its own. */
  @MessagePattern(CHARGES_PATTERNS.createMany)
  createMany(@Payload() many: ManyCallsMessage<CreateChargeMessage>) {
    return answerEach(many.messages, (message) => this.create(message), this.logger);
  }

  @MessagePattern(CHARGES_PATTERNS.createMerchantInitiated)
  createUnderAgreement(@Payload() message: CreateMerchantInitiatedChargeMessage) {
    return tracedCommand(message, () => this.createMerchantInitiated.handle(message));
  }

  @MessagePattern(CHARGES_PATTERNS.createMerchantInitiatedMany)
  createManyUnderAgreements(@Payload() many: ManyCallsMessage<CreateMerchantInitiatedChargeMessage>) {
    return answerEach(many.messages, (message) => this.createUnderAgreement(message), this.logger);
  }

  @MessagePattern(CHARGES_PATTERNS.get)
  get(@Payload() message: GetChargeMessage) {
    return tracedCommand(message, () => this.getCharge.charge(message));
  }

  @MessagePattern(CHARGES_PATTERNS.list)
  list(@Payload() message: ListChargesMessage) {
    return tracedCommand(message, () => this.listCharges.handle(message));
  }

  @MessagePattern(CHARGES_PATTERNS.capture)
  capture(@Payload() message: CaptureChargeMessage) {
    return tracedCommand(message, () => this.captureCharge.handle(message));
  }

  @MessagePattern(CHARGES_PATTERNS.getCapture)
  getCapture(@Payload() message: GetOperationMessage) {
    return tracedCommand(message, () => this.getCharge.capture(message));
  }

  @MessagePattern(CHARGES_PATTERNS.listCaptures)
  listCaptures(@Payload() message: ListChargeOperationsMessage) {
    return tracedCommand(message, () => this.getCharge.captures(message));
  }

  @MessagePattern(CHARGES_PATTERNS.void)
  void(@Payload() message: VoidChargeMessage) {
    return tracedCommand(message, () => this.voidCharge.handle(message));
  }

  @MessagePattern(CHARGES_PATTERNS.getVoid)
  getVoid(@Payload() message: GetOperationMessage) {
    return tracedCommand(message, () => this.getCharge.void(message));
  }

  @MessagePattern(CHARGES_PATTERNS.listVoids)
  listVoids(@Payload() message: ListChargeOperationsMessage) {
    return tracedCommand(message, () => this.getCharge.voids(message));
  }

  @MessagePattern(CHARGES_PATTERNS.checkout)
  checkoutView(@Payload() message: CheckoutMessage) {
    return tracedCommand(message, () => this.checkout.view(message));
  }

  @MessagePattern(CHARGES_PATTERNS.completeCheckout)
  completeCheckout(@Payload() message: CompleteCheckoutMessage) {
    return tracedCommand(message, () => this.checkout.complete(message));
  }

  /** The provider notified that an authorization changed (through the webhooks service): asked about and recorded. */
  @MessagePattern(CHARGES_PATTERNS.recordProviderNotification)
  recordProviderNotification(@Payload() message: RecordChargeNotificationMessage) {
    return tracedCommand(message, () =>
      this.deadlines.recordNotifiedAuthorization(message.merchantId, message.objectId),
    );
  }
}
