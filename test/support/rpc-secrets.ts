import { randomBytes } from 'node:crypto';

/*
 * The secrets of the services a test starts (none has a default): the ones `npm run setup` wrote to .infra.env
 * (`npm test` reads it through scripts/infra-env.sh), else random per test process, so no secret is written down
 * anywhere.
 */
const fromEnvironment = (name: string): string | undefined =>
  process.env[name]
    ?.split(',')
    .map((s) => s.trim())
    .find(Boolean);
const random = (): string => randomBytes(32).toString('base64url');

/** The RPC kit's signing secret (RPC_SIGNING_SECRETS). */
export const TEST_RPC_SIGNING_SECRET = fromEnvironment('RPC_SIGNING_SECRETS') ?? random();

/** The sandbox hosted page's signing secret (SANDBOX_SIGNING_SECRET), shared by charges and agreements. */
export const TEST_SANDBOX_SIGNING_SECRET = fromEnvironment('SANDBOX_SIGNING_SECRET') ?? random();

/** The key the webhooks service encrypts endpoints' signing secrets with (WEBHOOK_SECRETS_KEY). */
export const TEST_WEBHOOK_SECRETS_KEY = fromEnvironment('WEBHOOK_SECRETS_KEY') ?? random();
