import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the ledger service reads from its environment, validated at start-up. */
export const ledgerConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('ledger'),
  ...rpcConfigSchema,
  /**
   * Time between two checkpoints of the event log (a hash over every stream's head up to the safe position, which
   * `verify` recomputes): how much of the log's tail a checkpoint does not cover yet.
   */
  LOG_CHECKPOINT_INTERVAL_MS: env.int({ default: 60_000, min: 1_000 }),
  /** How often a replica looks whether the log checkpoint is due (one replica writes it). */
  LOG_CHECKPOINT_POLL_MS: env.int({ default: 5_000, min: 0 }),
};

export type LedgerConfig = ConfigOf<typeof ledgerConfigSchema>;
export const LEDGER_CONFIG = Symbol('LedgerConfig');
