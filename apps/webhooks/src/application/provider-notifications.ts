import { Inject, Injectable } from '@nestjs/common';
import {
  CHARGES_PATTERNS,
  type ProviderNotification,
  type ProviderNotificationReceipt,
  type ProviderNotificationRecorded,
  type ReceiveProviderNotificationMessage,
  type RecordChargeNotificationMessage,
  type RecordRefundNotificationMessage,
  REFUNDS_PATTERNS,
} from '@payment-ledger/contracts';
import { verifySandboxNotification } from '@payment-ledger/payment-methods';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import { InjectRpcClient, RemoteCallError, type RpcClient } from '@payment-ledger/rpc';
import {
  parseAmazonPayNotification,
  ProviderNotificationForged,
  ProviderNotificationUnsigned,
} from '../domain/amazon-pay-notification';
import { ProviderNotificationStore } from '../infrastructure/provider-notification.store';
import { WEBHOOKS_CONFIG, type WebhooksConfig } from '../webhooks.config';

/**
 * The payment provider's notifications coming in (Amazon Pay IPNs, from the gateway's
 * `POST /v1/provider-notifications/amazon-pay`). Checked (the sandbox's HMAC signature: a real Amazon Pay
 * integration verifies the SNS message signature with Amazon's certificate instead), parsed, deduplicated by
 * NotificationId, then handed to the service owning the object, which asks the provider for the object's state and
 * records what it says: a notification carries no state, so one that is late, repeated or names the wrong merchant
 * records nothing it should not. Refunds and chargebacks go to the refunds service (a charge's refund stream holds
 * both), charges (our authorizations) to the charges service; CHARGE_PERMISSION notifications are kept and answered,
 * with nothing to reconcile yet (IGNORED).
 *
 * Answered once the owner has recorded (a few milliseconds: one Get and one append), so the provider's retry covers
 * a failure on the way: a notification whose reconciliation failed is not marked processed, and its copy is
 * processed again. Two copies arriving at once may both be processed; the owner records an outcome once.
 */
@Injectable()
export class ProviderNotifications {
  constructor(
    private readonly store: ProviderNotificationStore,
    @InjectRpcClient('refunds') private readonly refunds: RpcClient,
    @InjectRpcClient('charges') private readonly charges: RpcClient,
    @Inject(WEBHOOKS_CONFIG) private readonly config: WebhooksConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {}

  async receiveAmazonPay(message: ReceiveProviderNotificationMessage): Promise<ProviderNotificationReceipt> {
    // Malformed is said first (400), whoever sent it; then nothing of a body not signed by the provider is used.
    const notification = parseAmazonPayNotification(message.body);
    if (message.signature === null || message.signature === '') throw new ProviderNotificationUnsigned();
    if (!verifySandboxNotification(this.config.SANDBOX_SIGNING_SECRET, message.body, message.signature)) {
      throw new ProviderNotificationForged();
    }
    const notificationId = notification.NotificationId;
    const taken = await this.store.take('amazon-pay', notification, this.clock.now());
    if (taken.status === 'duplicate') return { notificationId, duplicate: true, events: taken.events };
    const { outcome, events } = await this.reconcile(notification, message.correlationId);
    await this.store.processed(notificationId, outcome, events, this.clock.now());
    this.logger.log({
      msg: 'provider notification',
      notificationId,
      objectType: notification.ObjectType,
      objectId: notification.ObjectId,
      outcome,
      events,
    });
    return { notificationId, duplicate: false, events };
  }

  private async reconcile(
    notification: ProviderNotification,
    correlationId: string,
  ): Promise<{ outcome: 'RECORDED' | 'NOT_FOUND' | 'IGNORED'; events: string[] }> {
    const owner = this.ownerOf(notification, correlationId);
    if (owner === null) return { outcome: 'IGNORED', events: [] };
    try {
      const { events } = await owner();
      return { outcome: 'RECORDED', events };
    } catch (error) {
      // No such object for the merchant named (another merchant's, or none): nothing to record, and nothing a
      // retry of the notification would change.
      if (error instanceof RemoteCallError && error.kind === 'not_found') return { outcome: 'NOT_FOUND', events: [] };
      throw error;
    }
  }

  /**
   * The call that has the object's owner reconcile it: a refund or a chargeback, the refunds service; a charge (our
   * authorization), the charges service. Null for the type nothing here reconciles yet (CHARGE_PERMISSION).
   */
  private ownerOf(
    notification: ProviderNotification,
    correlationId: string,
  ): (() => Promise<ProviderNotificationRecorded>) | null {
    const merchantId = notification.MerchantID;
    const objectId = notification.ObjectId;
    switch (notification.ObjectType) {
      case 'REFUND':
      case 'CHARGEBACK': {
        const objectType = notification.ObjectType;
        const record: RecordRefundNotificationMessage = { correlationId, merchantId, objectType, objectId };
        return () => this.refunds.send(REFUNDS_PATTERNS.recordProviderNotification, record);
      }
      case 'CHARGE': {
        const record: RecordChargeNotificationMessage = { correlationId, merchantId, objectType: 'CHARGE', objectId };
        return () => this.charges.send(CHARGES_PATTERNS.recordProviderNotification, record);
      }
      default:
        return null;
    }
  }
}
