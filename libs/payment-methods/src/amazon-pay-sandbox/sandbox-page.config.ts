import { PAYMENT_METHOD_CAPABILITIES } from '@payment-ledger/contracts';
import { env } from '@payment-ledger/platform';

/** The longest time a consumer may take on a provider's page: no link may die before the checkout it opens. */
const LONGEST_AUTHENTICATION_MS =
  Math.max(...Object.values(PAYMENT_METHOD_CAPABILITIES).map((c) => c.authenticationTimeoutMinutes)) * 60_000;

/**
 * The settings of the Amazon Pay sandbox's hosted page that the services creating its links read (charges for a
 * charge's page, agreements for an agreement's). The page itself (the sandbox app) holds no secret: it passes the
 * link's token back to the service that made it, which verifies it.
 */
export const sandboxPageConfigSchema = {
  /** Public base URL of the sandbox app serving the hosted Amazon Pay page (where consumers are sent). */
  SANDBOX_PUBLIC_URL: env.url({ default: 'http://127.0.0.1:3002', protocols: ['http', 'https'] }),
  /**
   * Signs the hosted page's links (an HMAC of the charge or agreement id, its merchant and its expiry) so that nobody
   * can forge one and approve someone else's payment: required, at least 32 characters, the same in charges and
   * agreements. It also signs the sandbox's provider notifications (IPNs, an HMAC of the body), which the webhooks
   * service checks: the same in the charges, refunds and webhooks services.
   */
  SANDBOX_SIGNING_SECRET: env.secret(),
  /**
   * How long a hosted page link opens its page, from its creation. At least the payment method's authentication
   * timeout (10 minutes for Amazon Pay), so a link never dies before its checkout; the default 30 minutes leaves the
   * consumer 20 more to see how it ended and get back to the merchant, and after that a leaked link opens nothing.
   */
  SANDBOX_LINK_TTL_MS: env.int({ default: 30 * 60_000, min: LONGEST_AUTHENTICATION_MS, max: 24 * 3_600_000 }),
};
