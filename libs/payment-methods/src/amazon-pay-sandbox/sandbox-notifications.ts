/**
 * The sandbox's provider notifications: what Amazon Pay sends as an IPN (Instant Payment Notification) when an
 * object it keeps changes on its own side (a delayed refund settles, an AuthorizationInitiated charge is decided, a
 * chargeback is opened or resolved), and how the sandbox sends them.
 *
 * Amazon Pay delivers an IPN as an Amazon SNS message: an HTTP POST with a `text/plain` body whose JSON has
 * `Message`, itself a JSON string naming the object (`ObjectType`, `ObjectId`, `ChargePermissionId`), the merchant
 * (`MerchantID`), what happened (`NotificationType`, e.g. STATE_CHANGE) and the notification's own id and version.
 * It carries no state: the receiver asks the provider for the object ("Get Refund", "Get Charge") and records what
 * it says, so a notification that is late, repeated or out of order changes nothing it should not.
 *
 * Authenticity: SNS signs each message with an X.509 certificate that a real integration verifies (the
 * `SigningCertURL`, `Signature` and `SignatureVersion` fields). The sandbox has no certificate: it signs the body
 * with an HMAC-SHA256 under SANDBOX_SIGNING_SECRET, sent in the `x-amz-pay-sandbox-signature` header, which the
 * receiving service checks (`verifySandboxNotification`).
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ProviderNotification, ProviderNotificationObjectType } from '@payment-ledger/contracts';
import { env } from '@payment-ledger/platform';

/** The header the sandbox's HMAC of the body travels in. */
export const SANDBOX_NOTIFICATION_SIGNATURE_HEADER = 'x-amz-pay-sandbox-signature';

/** `v1,<base64 HMAC-SHA256 of the body>`. */
export function signSandboxNotification(secret: string, body: string): string {
  return `v1,${createHmac('sha256', secret).update(body, 'utf8').digest('base64')}`;
}

/** Whether `signature` is the sandbox's signature of `body` (constant-time). */
export function verifySandboxNotification(secret: string, body: string, signature: string | null): boolean {
  if (signature === null) return false;
  const expected = Buffer.from(signSandboxNotification(secret, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The SNS envelope the IPN's `Message` travels in, as Amazon Pay sends it (the body, serialized). */
export function amazonPayNotificationBody(notification: ProviderNotification, now: Date): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: randomUUID(),
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:amazon-pay-sandbox',
    Message: JSON.stringify(notification),
    Timestamp: now.toISOString(),
    SignatureVersion: 'sandbox-hmac-sha256',
  });
}

/** What the sandbox tells when one of its objects changes on its own side. */
export interface SandboxNotice {
  merchantId: string;
  objectType: ProviderNotificationObjectType;
  objectId: string;
  /** The charge permission (our charge id stands for it in the sandbox). */
  chargePermissionId: string;
  /**
   * What happened; STATE_CHANGE (Amazon Pay's type for a Charge or Refund changing state) when absent. For a
   * chargeback, CHARGEBACK_OPENED or CHARGEBACK_RESOLVED (SANDBOX_CHARGEBACK_NOTIFICATION_TYPES).
   */
  notificationType?: string;
}

/**
 * The NotificationTypes of the sandbox's chargeback IPNs (ObjectType CHARGEBACK). Named after Amazon Pay's
 * dispute notifications (a dispute opened, then closed with its resolution); the sandbox's own names, since the
 * receiver acts on the ObjectType and asks the provider for the state, whatever the type says.
 */
export const SANDBOX_CHARGEBACK_NOTIFICATION_TYPES = {
  opened: 'CHARGEBACK_OPENED',
  resolved: 'CHARGEBACK_RESOLVED',
} as const;

/** Sends the sandbox's notifications; `null` where none are configured (SANDBOX_NOTIFICATIONS_URL empty). */
export interface SandboxNotifier {
  notify(notice: SandboxNotice): void;
}

export interface HttpSandboxNotifierOptions {
  /** Where IPNs go (the gateway's `POST /v1/provider-notifications/amazon-pay`). */
  url: string;
  signingSecret: string;
  /** Attempts per notification (the first included); after the last, the notification is lost. */
  attempts?: number;
  /** Waits between attempts, doubled each time. */
  retryDelayMs?: number;
  /** What became of a failed notification (a log line). */
  onFailure?: (notice: SandboxNotice, error: unknown) => void;
}

/**
 * POSTs each notification, signed, without holding up the provider call that caused it: fire-and-forget with a
 * bounded retry (a few attempts, doubling waits). One lost for good (the receiver down longer than that, or this
 * process ending first) is what the callers' timers are for: they ask the provider on their own after `checkAfter`,
 * as they did before notifications existed, the same poll a real integration keeps for lost IPNs.
 */
export class HttpSandboxNotifier implements SandboxNotifier {
  constructor(private readonly options: HttpSandboxNotifierOptions) {}

  notify(notice: SandboxNotice): void {
    void this.send(notice);
  }

  private async send(notice: SandboxNotice): Promise<void> {
    const body = amazonPayNotificationBody(
      {
        MerchantID: notice.merchantId,
        ObjectType: notice.objectType,
        ObjectId: notice.objectId,
        ChargePermissionId: notice.chargePermissionId,
        NotificationType: notice.notificationType ?? 'STATE_CHANGE',
        NotificationId: randomUUID(),
        NotificationVersion: 'V1',
      },
      new Date(),
    );
    const attempts = this.options.attempts ?? 4;
    let delay = this.options.retryDelayMs ?? 500;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const response = await fetch(this.options.url, {
          method: 'POST',
          headers: {
            'content-type': 'text/plain; charset=utf-8',
            [SANDBOX_NOTIFICATION_SIGNATURE_HEADER]: signSandboxNotification(this.options.signingSecret, body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        lastError = new Error(`the notification receiver answered ${response.status}`);
        // A refusal of the notification itself will not change on a retry.
        if (response.status >= 400 && response.status < 500 && response.status !== 429) break;
      } catch (error) {
        lastError = error;
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delay).unref());
      delay *= 2;
    }
    this.options.onFailure?.(notice, lastError);
  }
}

/** The setting of the services that run the sandbox provider in-process (charges, refunds). */
export const sandboxNotificationsConfigSchema = {
  /**
   * Where the sandbox provider sends its IPNs about delayed outcomes (a delayed refund settling, an
   * AuthorizationInitiated authorization decided, a chargeback opened or resolved): the gateway's `/v1/provider-notifications/amazon-pay`. Empty: it
   * sends none, and those outcomes are learnt by the services' own checks after `checkAfter`.
   */
  SANDBOX_NOTIFICATIONS_URL: env.string({ default: '' }),
};

/** The sandbox's notifier under these settings, or null when notifications are off. */
export function sandboxNotifierOf(
  config: { SANDBOX_NOTIFICATIONS_URL: string; SANDBOX_SIGNING_SECRET: string },
  onFailure?: (notice: SandboxNotice, error: unknown) => void,
): HttpSandboxNotifier | null {
  if (config.SANDBOX_NOTIFICATIONS_URL === '') return null;
  return new HttpSandboxNotifier({
    url: config.SANDBOX_NOTIFICATIONS_URL,
    signingSecret: config.SANDBOX_SIGNING_SECRET,
    onFailure,
  });
}
