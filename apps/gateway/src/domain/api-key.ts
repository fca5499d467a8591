/**
 * A merchant's API key (made by application/api-keys/api-key-secret.ts; only its digest is stored): refused once
 * revoked (at once) or once past its expiry (a key replaced by rotation keeps working until then, so the merchant
 * can deploy the new one).
 */
/** What is known of a stored key (never the key). */
export interface ApiKeyRecord {
  apiKeyId: string;
  merchantId: string;
  keyPrefix: string;
  createdAt: Date;
  /** Null: no expiry. Set by a rotation to the end of its overlap. */
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export type ApiKeyStatus = 'active' | 'expiring' | 'expired' | 'revoked';

/**
 * A key's status at `now`: a revoked key is revoked whatever the time says (revocation is never scheduled), and that
 * wins over expired; `expiring` is a key still valid with an expiry ahead.
 */
export function apiKeyStatus(key: Pick<ApiKeyRecord, 'expiresAt' | 'revokedAt'>, now: Date): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt === null) return 'active';
  return key.expiresAt.getTime() > now.getTime() ? 'expiring' : 'expired';
}

/** The longest overlap a rotation may give the old key: a forgotten long overlap is a second key nobody rotates. */
export const MAX_ROTATION_OVERLAP_MS = 30 * 24 * 3_600_000;
export const DEFAULT_ROTATION_OVERLAP_MS = 24 * 3_600_000;
