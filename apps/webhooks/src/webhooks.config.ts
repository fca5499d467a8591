import {
  type ConfigOf,
  env,
  infrastructureConfigSchema,
  outboundUrlConfigSchema,
  serviceAddressSchema,
} from '@payment-ledger/platform';
import { sandboxPageConfigSchema } from '@payment-ledger/payment-methods';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the webhooks service reads from its environment, validated at start-up. */
export const webhooksConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('webhooks'),
  ...rpcConfigSchema,
  /** The key endpoint signing secrets are encrypted with at rest (AES-256-GCM under its SHA-256). Changing it makes the stored secrets unreadable: rotate the endpoints' secrets instead. */
  WEBHOOK_SECRETS_KEY: env.secret(),
  // The sandbox provider's secret (its meaning is documented once, in sandbox-page.config.ts): the provider's
  // notifications coming in through the gateway must be signed with it.
  SANDBOX_SIGNING_SECRET: sandboxPageConfigSchema.SANDBOX_SIGNING_SECRET,
  /** WEBHOOK_ALLOWED_HOSTS: the outbound URL rules' allow-list (libs/platform), shared with the gateway. */
  ...outboundUrlConfigSchema,
  /** How long an attempt waits for the receiver's answer before it counts as failed. */
  WEBHOOK_TIMEOUT_MS: env.int({ default: 15_000, min: 100, max: 120_000 }),
  /** When to try again after each failed attempt (comma-separated durations: 0, 5s, 5m, 2h); about three days by default, as Standard Webhooks suggests. Each delay gets ±10 % jitter. */
  WEBHOOK_RETRY_SCHEDULE: env.string({ default: '0,5s,5m,30m,2h,5h,10h,14h,20h,24h' }),
  /** How long an endpoint may fail every attempt before it is disabled (WEBHOOK_ENDPOINT_DISABLED). */
  WEBHOOK_DISABLE_AFTER_MS: env.int({ default: 5 * 24 * 3_600_000, min: 1_000 }),
  /** How long the secret before a rotation keeps signing too. */
  WEBHOOK_ROTATION_OVERLAP_MS: env.int({ default: 24 * 3_600_000, min: 0 }),
  /** Attempts in flight at once in this process. */
  WEBHOOK_CONCURRENCY: env.int({ default: 128, min: 1, max: 1_000 }),
  /** Attempts in flight at once per endpoint (or per object webhooksUrl) in this process, and as many more waiting in line for them: a slow receiver holds no more of the WEBHOOK_CONCURRENCY lanes than twice this. */
  WEBHOOK_ENDPOINT_CONCURRENCY: env.int({ default: 32, min: 1, max: 500 }),
  /** How often deliveries that came due are looked for. */
  WEBHOOK_POLL_MS: env.int({ default: 50, min: 10 }),
  /** The response body kept with an attempt, at most (bytes); the rest is not read. */
  WEBHOOK_RESPONSE_BODY_MAX_BYTES: env.int({ default: 4_096, min: 0, max: 65_536 }),
};

export type WebhooksConfig = ConfigOf<typeof webhooksConfigSchema>;
export const WEBHOOKS_CONFIG = Symbol('WebhooksConfig');
