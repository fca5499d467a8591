import { NotFound, RequestRejected } from '@payment-ledger/domain-kernel';
import type { FailureCode } from '@payment-ledger/contracts';

export class WebhookEndpointNotFound extends NotFound<FailureCode> {
  readonly code = 'webhook_endpoint_not_found';
  constructor() {
    super('Webhook endpoint not found');
  }
}

/** An endpoint URL the outbound rules refuse (not https, or an address that is not public). */
export function webhookUrlNotAllowed(message: string): RequestRejected<FailureCode> {
  return new RequestRejected<FailureCode>('webhooks_url_not_allowed', message, 'url');
}

export class EventNotFound extends NotFound<FailureCode> {
  readonly code = 'event_not_found';
  constructor() {
    super('Event not found');
  }
}
