import { createHash, randomBytes } from 'node:crypto';

/** `sk_sandbox_…` / `sk_live_…`: 32 random bytes, base64url. Shown once; only its SHA-256 is stored. */
export function generateApiKey(mode: 'SANDBOX' | 'LIVE'): string {
  return `sk_${mode.toLowerCase()}_${randomBytes(32).toString('base64url')}`;
}

/** What generateApiKey makes: the prefix of a mode and 43 base64url characters (32 bytes). */
const API_KEY_SHAPE = /^sk_(?:sandbox|live)_[A-Za-z0-9_-]{43}$/;

/**
 * Whether a presented key could be one of ours. A key of any other shape is refused without a lookup, so a flood of
 * made-up keys costs no database query (a well-formed guess still costs one, which the per-address limit bounds).
 */
export function isWellFormedApiKey(key: string): boolean {
  return API_KEY_SHAPE.test(key);
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
