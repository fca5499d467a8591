import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the scheduler reads from its environment, validated at start-up. */
export const schedulerConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('scheduler'),
  ...rpcConfigSchema,
  /** How often due schedules are looked for (0 = only when told, for tests). */
  SCHEDULER_POLL_MS: env.int({ default: 1_000, min: 0 }),
  /** Schedules worked on at once by one replica (cheap: their I/O is coalesced, so more in flight costs less each). */
  SCHEDULER_CONCURRENCY: env.int({ default: 512, min: 1, max: 1024 }),
  /** A requested charge without an outcome after this long is asked for again (same charge id: idempotent). */
  SCHEDULER_RESEND_AFTER_MS: env.int({ default: 30_000, min: 1_000 }),
  /** Dunning: days after a retryable decline to retry, comma-separated (default 1,3,7). */
  SCHEDULER_RETRY_DELAYS_DAYS: env.list({ default: ['1', '3', '7'] }),
  /** Sandbox test clocks: how far in all one agreement's schedule may run ahead of the service clock (10 years). */
  SCHEDULER_TEST_CLOCK_MAX_OFFSET_DAYS: env.int({ default: 3653, min: 1, max: 36_525 }),
};

export type SchedulerConfig = ConfigOf<typeof schedulerConfigSchema>;
export const SCHEDULER_CONFIG = Symbol('SchedulerConfig');
