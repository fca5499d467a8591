import { randomBytes } from 'node:crypto';

/**
 * The RPC kit's signing secret for the services a test starts (RPC_SIGNING_SECRETS has no default): random per test
 * process, so no secret is written down anywhere.
 */
export const TEST_RPC_SIGNING_SECRET = randomBytes(32).toString('base64url');
