/**
 * An Amazon Pay IPN as it arrives: an SNS message (a `text/plain` body holding JSON) whose `Message` is itself a
 * JSON string naming the object that changed. Pure: parsing and the refusals, no I/O. What the notification names
 * is all it tells; the object's state is asked of the provider (ProviderNotifications).
 */
import {
  type FailureCode,
  PROVIDER_NOTIFICATION_OBJECT_TYPES,
  type ProviderNotification,
  type ProviderNotificationObjectType,
} from '@payment-ledger/contracts';
import { RequestRejected } from '@payment-ledger/domain-kernel';

/** Not an Amazon Pay IPN (400). */
export class InvalidProviderNotification extends RequestRejected<FailureCode> {
  constructor(reason: string, field?: string) {
    super('invalid_provider_notification', `Not an Amazon Pay notification: ${reason}`, field);
  }
}

/** No signature (401). */
export class ProviderNotificationUnsigned extends RequestRejected<FailureCode> {
  constructor() {
    super('provider_notification_unsigned', 'The notification carries no provider signature');
  }
}

/** A signature that is not the provider's (403): nothing in the body is believed, nothing is recorded. */
export class ProviderNotificationForged extends RequestRejected<FailureCode> {
  constructor() {
    super('provider_notification_forged', "The notification's signature is not the provider's");
  }
}

const MESSAGE_FIELDS = [
  'MerchantID',
  'ObjectId',
  'ChargePermissionId',
  'NotificationType',
  'NotificationId',
  'NotificationVersion',
] as const;

/** The longest id or name a notification field may hold (Amazon Pay's are far shorter). */
const MAX_FIELD_LENGTH = 200;

/** The notification the body carries, or InvalidProviderNotification naming what is wrong with it. */
export function parseAmazonPayNotification(body: string): ProviderNotification {
  const envelope = parseObject(body, 'the body is not a JSON object');
  const message = envelope.Message;
  if (typeof message !== 'string') throw new InvalidProviderNotification('Message must be a JSON string', 'Message');
  const fields = parseObject(message, 'Message is not a JSON object');
  const notification: Record<string, string> = {};
  for (const name of MESSAGE_FIELDS) {
    const value = fields[name];
    if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_FIELD_LENGTH) {
      throw new InvalidProviderNotification(`Message.${name} must be a non-empty string`, `Message.${name}`);
    }
    notification[name] = value;
  }
  const objectType = fields.ObjectType;
  if (!PROVIDER_NOTIFICATION_OBJECT_TYPES.includes(objectType as ProviderNotificationObjectType)) {
    throw new InvalidProviderNotification(
      `Message.ObjectType must be one of ${PROVIDER_NOTIFICATION_OBJECT_TYPES.join(', ')}`,
      'Message.ObjectType',
    );
  }
  return {
    ...(notification as Omit<ProviderNotification, 'ObjectType'>),
    ObjectType: objectType as ProviderNotificationObjectType,
  };
}

function parseObject(text: string, refusal: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InvalidProviderNotification(refusal);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidProviderNotification(refusal);
  return value as Record<string, unknown>;
}
