import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the gateway reads from its environment, validated at start-up. */
export const gatewayConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('gateway'),
  ...rpcConfigSchema,
  /** Largest request body accepted, in bytes. */
  GATEWAY_BODY_LIMIT_BYTES: env.int({ default: 102_400, min: 1_024 }),
  /** How long a verified API key is remembered; a revoked key stops working within this time. */
  API_KEY_CACHE_TTL_MS: env.int({ default: 30_000, min: 0 }),
};

export type GatewayConfig = ConfigOf<typeof gatewayConfigSchema>;
export const GATEWAY_CONFIG = Symbol('GatewayConfig');
