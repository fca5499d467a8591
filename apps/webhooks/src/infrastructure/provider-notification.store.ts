import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { ProviderNotification } from '@payment-ledger/contracts';
import { ProviderNotificationEntity } from './provider-notification.entity';

/** What taking a notification found: a new one (or one taken before but never reconciled), or a processed copy. */
export type TakenNotification = { status: 'new' } | { status: 'duplicate'; events: string[] };

/** The provider notifications received, by NotificationId (`provider_notifications`). */
@Injectable()
export class ProviderNotificationStore {
  constructor(
    @InjectRepository(ProviderNotificationEntity)
    private readonly notifications: Repository<ProviderNotificationEntity>,
  ) {}

  /**
   * Records the notification unless its NotificationId was taken before; a copy of one already processed is a
   * duplicate. One taken but not processed (its reconciliation failed) is `new` again: a copy is a retry.
   */
  async take(provider: string, notification: ProviderNotification, now: Date): Promise<TakenNotification> {
    await this.notifications
      .createQueryBuilder()
      .insert()
      .values({
        notificationId: notification.NotificationId,
        provider,
        merchantId: notification.MerchantID,
        objectType: notification.ObjectType,
        objectId: notification.ObjectId,
        chargePermissionId: notification.ChargePermissionId,
        notificationType: notification.NotificationType,
        notificationVersion: notification.NotificationVersion,
        receivedAt: now,
        processedAt: null,
        outcome: null,
        events: [],
      })
      .orIgnore()
      .execute();
    const row = await this.notifications.findOneByOrFail({ notificationId: notification.NotificationId });
    return row.processedAt === null ? { status: 'new' } : { status: 'duplicate', events: row.events };
  }

  async processed(
    notificationId: string,
    outcome: NonNullable<ProviderNotificationEntity['outcome']>,
    events: string[],
    now: Date,
  ): Promise<void> {
    await this.notifications.update({ notificationId }, { processedAt: now, outcome, events });
  }
}
