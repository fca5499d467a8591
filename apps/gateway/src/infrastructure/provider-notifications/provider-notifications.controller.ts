import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  PROVIDER_NOTIFICATIONS_PATTERNS,
  type ProviderNotificationReceipt,
  type ReceiveProviderNotificationMessage,
} from '@payment-ledger/contracts';
import { SANDBOX_NOTIFICATION_SIGNATURE_HEADER } from '@payment-ledger/payment-methods';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiError } from '../http/api-error';
import type { JsonSchema } from '../http/body-schema';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { WebhooksClient } from '../services/service.client';

const notificationBodySchema: JsonSchema = {
  type: 'string',
  description:
    'An Amazon SNS message as Amazon Pay sends its IPNs: JSON whose `Message` is a JSON string holding `MerchantID`, ' +
    '`ObjectType` (CHARGE, REFUND, CHARGE_PERMISSION or CHARGEBACK), `ObjectId`, `ChargePermissionId`, ' +
    '`NotificationType`, `NotificationId` and `NotificationVersion`.',
};

const receiptSchema: JsonSchema = {
  type: 'object',
  title: 'ProviderNotificationReceipt',
  required: ['notificationId', 'duplicate', 'events'],
  properties: {
    notificationId: { type: 'string', description: "The notification's NotificationId" },
    duplicate: {
      type: 'boolean',
      description: 'A NotificationId received before: answered as then, nothing done again',
    },
    events: {
      type: 'array',
      items: { type: 'string' },
      description: 'The events recorded for it by the service owning the object (none when nothing changed for us)',
    },
  },
};

/**
 * `POST /v1/provider-notifications/amazon-pay`: the payment provider's notifications (Amazon Pay IPNs) about objects
 * that changed on its side (a delayed refund settled, a pending authorization decided). Called by the provider, not
 * by merchants: no API key. The body is passed on as it came, with its signature, to the webhooks service, which
 * owns inbound notifications: it checks the signature (the sandbox's HMAC under SANDBOX_SIGNING_SECRET, header
 * `x-amz-pay-sandbox-signature`; a real Amazon Pay integration would verify the SNS message's own signature against
 * Amazon's signing certificate instead), deduplicates by NotificationId and has the owning service ask the provider
 * for the object's state. Answered once recorded; a failure is a 5xx, which makes the provider send it again.
 */
@ApiTags('provider-notifications')
@Controller('v1/provider-notifications')
export class ProviderNotificationsController {
  constructor(private readonly webhooks: WebhooksClient) {}

  @Post('amazon-pay')
  @HttpCode(200)
  @ApiOperationDoc({
    operationId: 'receiveAmazonPayNotification',
    summary: "Receive the payment provider's notification (Amazon Pay IPN)",
    description:
      'For the payment provider, not for merchants. A `text/plain` SNS message naming an object that changed; the ' +
      'notification carries no state: the object is asked of the provider and its state recorded. The same ' +
      '`NotificationId` again is answered without acting again (`duplicate`). 400 for a body that is not an IPN ' +
      '(`invalid_provider_notification`).',
    body: { schema: notificationBodySchema },
    success: { status: 200, schema: receiptSchema, description: 'Taken (or a copy of one taken before)' },
    caller: 'provider',
  })
  receiveAmazonPay(
    @Body() body: unknown,
    @Headers(SANDBOX_NOTIFICATION_SIGNATURE_HEADER) signature: string | undefined,
  ): Promise<ProviderNotificationReceipt> {
    if (typeof body !== 'string') {
      throw new ApiError(415, 'unsupported_media_type', 'A provider notification is sent as text/plain');
    }
    const message: ReceiveProviderNotificationMessage = {
      correlationId: String(currentLogContext().correlationId ?? ''),
      body,
      signature: signature ?? null,
    };
    return this.webhooks.send(PROVIDER_NOTIFICATIONS_PATTERNS.receiveAmazonPay, message);
  }
}
