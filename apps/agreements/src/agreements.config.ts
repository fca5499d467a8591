import { type ConfigOf, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { sandboxPageConfigSchema } from '@payment-ledger/payment-methods';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the agreements service reads from its environment, validated at start-up. */
export const agreementsConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('agreements'),
  ...rpcConfigSchema,
  /** The hosted page's address and the secret signing its links. */
  ...sandboxPageConfigSchema,
};

export type AgreementsConfig = ConfigOf<typeof agreementsConfigSchema>;
export const AGREEMENTS_CONFIG = Symbol('AgreementsConfig');
