import { type ConfigOf, env, infrastructureConfigSchema } from '@payment-ledger/platform';

/** Everything the agreements service reads from its environment, validated at start-up. */
export const agreementsConfigSchema = {
  ...infrastructureConfigSchema,
  AGREEMENTS_TCP_HOST: env.string({ default: '127.0.0.1' }),
  AGREEMENTS_TCP_PORT: env.int({ default: 4020, min: 0, max: 65535 }),
  CHARGES_TCP_HOST: env.string({ default: '127.0.0.1' }),
  CHARGES_TCP_PORT: env.int({ default: 4010, min: 1, max: 65535 }),
  SANDBOX_PUBLIC_URL: env.url({ default: 'http://127.0.0.1:3002', protocols: ['http', 'https'] }),
  SANDBOX_SIGNING_SECRET: env.string({ default: 'sandbox-only-signing-secret-change-me' }),
  SERVICE_CALL_TIMEOUT_MS: env.int({ default: 10_000, min: 100 }),
};

export type AgreementsConfig = ConfigOf<typeof agreementsConfigSchema>;
export const AGREEMENTS_CONFIG = Symbol('AgreementsConfig');
