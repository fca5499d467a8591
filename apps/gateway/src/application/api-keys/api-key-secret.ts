import { createHash, randomBytes } from 'node:crypto';

/** `sk_sandbox_…` / `sk_live_…`: 32 random bytes, base64url. Shown once; only its SHA-256 is stored. */
export function generateApiKey(mode: 'SANDBOX' | 'LIVE'): string {
  return `sk_${mode.toLowerCase()}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Keys are 256-bit random secrets, so a SHA-256 digest is enough to store them: there is nothing to brute-force
 * (apps/gateway/migrations/0300_gateway.sql).
 */
export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** The first characters of a key, to tell keys apart in listings. */
export function apiKeyPrefix(key: string): string {
  return key.slice(0, 16);
}
