import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { sandboxNotificationsConfigSchema, sandboxPageConfigSchema } from '@payment-ledger/payment-methods';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the charges service reads from its environment, validated at start-up. */
export const chargesConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('charges'),
  ...rpcConfigSchema,
  /** The hosted page's address and the secret signing its links. */
  ...sandboxPageConfigSchema,
  ...sandboxNotificationsConfigSchema,
  /** How long the sandbox provider keeps an asynchronous authorization pending before it settles. */
  SANDBOX_ASYNC_AUTHORIZATION_DELAY_MS: env.int({ default: 30_000, min: 0 }),
  /** How often charge deadlines (authorization and capture expiries) that have come due are looked for. */
  CHARGE_DEADLINE_POLL_MS: env.int({ default: 1_000, min: 10 }),
  /**
   * How often the creation timers are read from the log between polls for due timers (0: only at those polls). A
   * short interval keeps each read small: a second's creations read at once stall the service for a moment.
   */
  CHARGE_TIMER_FEED_POLL_MS: env.int({ default: 100, min: 0 }),
};

export type ChargesConfig = ConfigOf<typeof chargesConfigSchema>;
export const CHARGES_CONFIG = Symbol('ChargesConfig');
