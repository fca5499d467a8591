import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { sandboxNotificationsConfigSchema, sandboxPageConfigSchema } from '@payment-ledger/payment-methods';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the refunds service reads from its environment, validated at start-up. */
export const refundsConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('refunds'),
  ...rpcConfigSchema,
  /** The sandbox provider's settings (it runs in-process, with its records in this service's database). */
  ...sandboxPageConfigSchema,
  ...sandboxNotificationsConfigSchema,
  /** How long the sandbox provider keeps a delayed refund (simulation code `RefundDelayed`) pending before it settles. */
  SANDBOX_ASYNC_REFUND_DELAY_MS: env.int({ default: 30_000, min: 0 }),
  /**
   * Sandbox only: how long the sandbox provider holds its answer to a refund it has just made (a slow provider; the
   * end-to-end crash test kills the service meanwhile). 0: it answers at once.
   */
  SANDBOX_REFUND_ANSWER_DELAY_MS: env.int({ default: 0, min: 0 }),
  /** How often refund timers (provider retries, checks of refunds the provider settles later) that came due are looked for. */
  REFUND_TIMER_POLL_MS: env.int({ default: 1_000, min: 10 }),
};

export type RefundsConfig = ConfigOf<typeof refundsConfigSchema>;
export const REFUNDS_CONFIG = Symbol('RefundsConfig');
