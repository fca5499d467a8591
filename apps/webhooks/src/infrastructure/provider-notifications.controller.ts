import { Controller, UseFilters } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { PROVIDER_NOTIFICATIONS_PATTERNS, type ReceiveProviderNotificationMessage } from '@payment-ledger/contracts';
import { RpcErrorFilter, tracedCommand } from '@payment-ledger/rpc';
import { ProviderNotifications } from '../application/provider-notifications';

/**
 * The provider's notifications, passed on by the gateway as they came (a `system.` pattern: the provider acts for
 * no merchant the gateway knows; the merchant is read from the signed body here).
 */
@Controller()
@UseFilters(RpcErrorFilter)
export class ProviderNotificationsController {
  constructor(private readonly notifications: ProviderNotifications) {}

  @MessagePattern(PROVIDER_NOTIFICATIONS_PATTERNS.receiveAmazonPay)
  receiveAmazonPay(@Payload() message: ReceiveProviderNotificationMessage) {
    return tracedCommand(message, () => this.notifications.receiveAmazonPay(message));
  }
}
