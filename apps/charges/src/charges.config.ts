import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the charges service reads from its environment, validated at start-up. */
export const chargesConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('charges'),
  ...rpcConfigSchema,
  /** Public base URL of the sandbox app serving the hosted Amazon Pay page. */
  SANDBOX_PUBLIC_URL: env.url({ default: 'http://127.0.0.1:3002', protocols: ['http', 'https'] }),
  /** Signs hosted-page links; shared by no one else (the page's decisions come back to this service). */
  SANDBOX_SIGNING_SECRET: env.string({ default: 'sandbox-only-signing-secret-change-me' }),
  SANDBOX_ASYNC_AUTHORIZATION_DELAY_MS: env.int({ default: 30_000, min: 0 }),
  CHARGE_DEADLINE_POLL_MS: env.int({ default: 1_000, min: 10 }),
  /**
   * How often the creation timers are read from the log between polls for due timers (0: only at those polls). A
   * short interval keeps each read small: a second's creations read at once stall the service for a moment.
   */
  CHARGE_TIMER_FEED_POLL_MS: env.int({ default: 100, min: 0 }),
};

export type ChargesConfig = ConfigOf<typeof chargesConfigSchema>;
export const CHARGES_CONFIG = Symbol('ChargesConfig');
