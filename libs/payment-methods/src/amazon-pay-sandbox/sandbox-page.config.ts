import { env } from '@payment-ledger/platform';

/**
 * The settings of the Amazon Pay sandbox's hosted page that the services creating its links read (charges for a
 * charge's page, agreements for an agreement's). The page itself (the sandbox app) holds no secret: it passes the
 * link's token back to the service that made it, which verifies it.
 */
export const sandboxPageConfigSchema = {
  /** Public base URL of the sandbox app serving the hosted Amazon Pay page (where consumers are sent). */
  SANDBOX_PUBLIC_URL: env.url({ default: 'http://127.0.0.1:3002', protocols: ['http', 'https'] }),
  /**
   * Signs the hosted page's links (an HMAC of the charge or agreement id) so that nobody can forge one and approve
   * someone else's payment: required, at least 32 characters, the same in charges and agreements.
   */
  SANDBOX_SIGNING_SECRET: env.secret(),
};
