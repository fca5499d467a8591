import { type ConfigOf, env, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** The sandbox app needs no database: it is the provider's consumer-facing page, and asks the charges service. */
export const sandboxConfigSchema = {
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('sandbox'),
  ...rpcConfigSchema,
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type SandboxConfig = ConfigOf<typeof sandboxConfigSchema>;
export const SANDBOX_CONFIG = Symbol('SandboxConfig');
