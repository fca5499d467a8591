import {
  type ConfigOf,
  loggingConfigSchema,
  serviceAddressSchema,
  shutdownConfigSchema,
} from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/**
 * The sandbox app needs no database: it is the provider's consumer-facing page, and asks the charges service. It
 * holds no signing secret either: it hands a link's token back to charges or agreements, which verify it.
 */
export const sandboxConfigSchema = {
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('sandbox'),
  ...rpcConfigSchema,
  ...loggingConfigSchema,
  ...shutdownConfigSchema,
};

export type SandboxConfig = ConfigOf<typeof sandboxConfigSchema>;
export const SANDBOX_CONFIG = Symbol('SandboxConfig');
