/**
 * The payment provider's notifications coming in (Amazon Pay's IPNs): the gateway's
 * `POST /v1/provider-notifications/amazon-pay` passes the body as it came, with its signature, to the webhooks
 * service, which checks, parses and deduplicates it, then has the service owning the object ask the provider for its
 * state and record it. A `system.` pattern: the provider acts for no merchant the gateway could name (the merchant
 * is in the signed body, read by the webhooks service).
 */
import type { RequestContext } from './charges-messages';

/** The object kinds Amazon Pay sends IPNs about. */
export const PROVIDER_NOTIFICATION_OBJECT_TYPES = ['CHARGE', 'REFUND', 'CHARGE_PERMISSION', 'CHARGEBACK'] as const;
export type ProviderNotificationObjectType = (typeof PROVIDER_NOTIFICATION_OBJECT_TYPES)[number];

/** The IPN's `Message`, parsed: which object changed, for which merchant. */
export interface ProviderNotification {
  MerchantID: string;
  ObjectType: ProviderNotificationObjectType;
  /** The provider's id of the object (its providerReference here). */
  ObjectId: string;
  ChargePermissionId: string;
  NotificationType: string;
  NotificationId: string;
  NotificationVersion: string;
}

export const PROVIDER_NOTIFICATIONS_PATTERNS = {
  receiveAmazonPay: 'system.webhooks.provider-notifications.amazon-pay',
} as const;

export interface ReceiveProviderNotificationMessage extends RequestContext {
  /** The request body exactly as received (the signature is over these characters). */
  body: string;
  /** The sandbox's signature header (`x-amz-pay-sandbox-signature`), or null when there was none. */
  signature: string | null;
}

/** How a notification was taken: recorded now, or a NotificationId seen before (nothing done again). */
export interface ProviderNotificationReceipt {
  notificationId: string;
  duplicate: boolean;
  /** What the owning service recorded (event types); empty when the object had not changed for us. */
  events: string[];
}
