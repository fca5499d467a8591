import { type ConfigOf, env, infrastructureConfigSchema, serviceAddressSchema } from '@payment-ledger/platform';
import { rpcConfigSchema } from '@payment-ledger/rpc';

/** Everything the agreements service reads from its environment, validated at start-up. */
export const agreementsConfigSchema = {
  ...infrastructureConfigSchema,
  /** Where it listens and where the services it calls are (service registry), and the RPC kit's settings. */
  ...serviceAddressSchema('agreements'),
  ...rpcConfigSchema,
  SANDBOX_PUBLIC_URL: env.url({ default: 'http://127.0.0.1:3002', protocols: ['http', 'https'] }),
  SANDBOX_SIGNING_SECRET: env.string({ default: 'sandbox-only-signing-secret-change-me' }),
};

export type AgreementsConfig = ConfigOf<typeof agreementsConfigSchema>;
export const AGREEMENTS_CONFIG = Symbol('AgreementsConfig');
