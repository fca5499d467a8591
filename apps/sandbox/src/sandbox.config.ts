import { type ConfigOf, env } from '@payment-ledger/platform';

/** The sandbox app needs no database: it is the provider's consumer-facing page, and asks the charges service. */
export const sandboxConfigSchema = {
  SANDBOX_HOST: env.string({ default: '127.0.0.1' }),
  SANDBOX_PORT: env.int({ default: 3002, min: 0, max: 65535 }),
  CHARGES_TCP_HOST: env.string({ default: '127.0.0.1' }),
  CHARGES_TCP_PORT: env.int({ default: 4010, min: 1, max: 65535 }),
  AGREEMENTS_TCP_HOST: env.string({ default: '127.0.0.1' }),
  AGREEMENTS_TCP_PORT: env.int({ default: 4020, min: 1, max: 65535 }),
  SERVICE_CALL_TIMEOUT_MS: env.int({ default: 10_000, min: 100 }),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, { default: 'info' }),
};

export type SandboxConfig = ConfigOf<typeof sandboxConfigSchema>;
export const SANDBOX_CONFIG = Symbol('SandboxConfig');
