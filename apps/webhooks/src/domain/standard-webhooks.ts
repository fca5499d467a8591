// The one exception to the domain's imports: HMAC-SHA256 and secure random bytes are computations (no I/O, no
// clock), and node:crypto is the only sound implementation of either; the signing format is the domain's own.
// eslint-disable-next-line no-restricted-imports
import { createHmac, randomBytes } from 'node:crypto';

/*
 * Signing per Standard Webhooks (standardwebhooks.com), so a merchant verifies our webhooks with any of its libraries
 * (the `standardwebhooks` npm package among them; our tests verify with it, not with this code):
 *
 *   webhook-id         the message id, the same on every retry of one delivery (a receiver's dedupe key)
 *   webhook-timestamp  seconds since the epoch at this attempt (a receiver refuses old ones: replay protection)
 *   webhook-signature  `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret, space-separated
 *
 * A secret is `whsec_` + base64 of 32 random bytes, and the HMAC key is those bytes (the base64 decoded), not the
 * text. While a secret is being rotated both sign, so a receiver holding either verifies.
 */

const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A new signing secret: `whsec_` + base64 of 32 random bytes. Shown to the merchant once. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a signing secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length === 0) throw new Error('a signing secret holds base64 after whsec_');
  return key;
}

/** One signature: `v1,<base64 HMAC-SHA256 of "${msgId}.${timestampSeconds}.${body}">`, keyed by the secret's bytes. */
export function signPayload(secret: string, msgId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${msgId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` value: one signature per secret (two while rotating), space-separated. */
export function signatureHeader(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): string {
  return secrets.map((secret) => signPayload(secret, msgId, timestampSeconds, body)).join(' ');
}

/**
 * The headers of one attempt: the three Standard Webhooks headers and the body's type. With no secret there is
 * nothing to sign with and no `webhook-signature` (never an empty one, which a receiver could take for a format).
 */
export function webhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
  };
  if (secrets.length > 0) headers['webhook-signature'] = signatureHeader(secrets, msgId, timestampSeconds, body);
  return headers;
}
