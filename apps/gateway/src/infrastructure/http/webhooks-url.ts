import { checkOutboundUrl, type OutboundUrlPolicy, parseAllowedHosts } from '@payment-ledger/platform';
import type { GatewayConfig } from '../../gateway.config';
import { ApiError } from './api-error';

/** The outbound URL policy of the gateway's config: WEBHOOK_ALLOWED_HOSTS, canonical (case, trailing dots). */
export function webhooksUrlPolicy(config: Pick<GatewayConfig, 'WEBHOOK_ALLOWED_HOSTS'>): OutboundUrlPolicy {
  return { allowedHosts: parseAllowedHosts(config.WEBHOOK_ALLOWED_HOSTS) };
}

/**
 * Refuses a charge's or an agreement's `webhooksUrl` that the webhooks service would refuse to call (libs/platform's
 * outbound guard: https, no credentials, every resolved address public, unless allow-listed), at creation, so the
 * merchant hears it then rather than never receiving a webhook. The webhooks service checks again when it sends
 * (DNS can change in between). A 400 `webhooks_url_not_allowed` naming the field.
 */
export async function assertWebhooksUrlAllowed(
  url: string | null | undefined,
  policy: OutboundUrlPolicy,
  field = 'webhooksUrl',
): Promise<void> {
  if (url === undefined || url === null) return;
  const check = await checkOutboundUrl(url, policy);
  if (!check.ok) throw new ApiError(400, 'webhooks_url_not_allowed', `${field} ${check.message}`, { field });
}
