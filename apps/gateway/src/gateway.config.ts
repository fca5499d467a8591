import { type ConfigOf, env, infrastructureConfigSchema } from '@payment-ledger/platform';

/** Everything the gateway reads from its environment, validated at start-up. */
export const gatewayConfigSchema = {
  ...infrastructureConfigSchema,
  GATEWAY_HOST: env.string({ default: '127.0.0.1' }),
  GATEWAY_PORT: env.int({ default: 3000, min: 0, max: 65535 }),
  CHARGES_TCP_HOST: env.string({ default: '127.0.0.1' }),
  CHARGES_TCP_PORT: env.int({ default: 4010, min: 1, max: 65535 }),
  AGREEMENTS_TCP_HOST: env.string({ default: '127.0.0.1' }),
  AGREEMENTS_TCP_PORT: env.int({ default: 4020, min: 1, max: 65535 }),
  SCHEDULER_TCP_HOST: env.string({ default: '127.0.0.1' }),
  SCHEDULER_TCP_PORT: env.int({ default: 4030, min: 1, max: 65535 }),
  /** Largest request body accepted, in bytes. */
  GATEWAY_BODY_LIMIT_BYTES: env.int({ default: 102_400, min: 1_024 }),
  /** How long a verified API key is remembered; a revoked key stops working within this time. */
  API_KEY_CACHE_TTL_MS: env.int({ default: 30_000, min: 0 }),
  /** Timeout of a call to a backing service. */
  SERVICE_CALL_TIMEOUT_MS: env.int({ default: 10_000, min: 100 }),
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
