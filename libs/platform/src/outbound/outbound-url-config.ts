import { env } from '../config/config';

/**
 * The outbound URL policy's one setting, read by every service that checks merchant URLs (the gateway when a charge
 * or an agreement names a `webhooksUrl`, the webhooks service for endpoints and when it sends): one definition, so
 * both read it alike and docs/configuration.md states it once. Parse it with `parseAllowedHosts`.
 */
export const outboundUrlConfigSchema = {
  /**
   * Hosts (names or IP addresses, comma-separated) exempt from the outbound address rules, and the only ones a
   * webhook URL may reach over http: e.g. 127.0.0.1 for a local receiver. Any other URL must be https on a host whose
   * every address is public (not private, loopback, link-local or cloud metadata).
   */
  WEBHOOK_ALLOWED_HOSTS: env.list({ default: [] }),
};
