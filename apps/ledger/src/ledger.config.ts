import { type ConfigOf, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the ledger service reads from its environment, validated at start-up. */
export const ledgerConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('ledger'),
  ...rpcConfigSchema,
};

export type LedgerConfig = ConfigOf<typeof ledgerConfigSchema>;
