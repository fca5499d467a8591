/**
 * Idempotency keys (Stripe's model, DESIGN.md "The gateway API"): the same key with the same request replays the
 * first response; with a different request, or while the first is still running, it is a conflict. A first
 * attempt that failed with a 4xx leaves no key behind; a key lives 24 hours.
 */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim older than this is treated as abandoned (its process died), and the next retry takes it over. */
export const IN_FLIGHT_LEASE_MS = 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface IdempotencyRecord {
  requestHash: string;
  state: 'in_flight' | 'completed';
  resourceId: string;
  lockedAt: Date | null;
  responseStatus: number | null;
  responseBody: unknown;
  expiresAt: Date;
}

export type IdempotencyDecision =
  | { action: 'claim' }
  | { action: 'replay'; status: number; body: unknown }
  | { action: 'take_over'; resourceId: string }
  | { action: 'reject'; code: 'idempotency_key_reused' | 'idempotency_key_in_use'; message: string };

/** What to do with a request whose key already has a record (or none). */
export function decideIdempotency(
  record: IdempotencyRecord | undefined,
  requestHash: string,
  now: Date,
): IdempotencyDecision {
  if (!record || record.expiresAt.getTime() <= now.getTime()) return { action: 'claim' };
  if (record.requestHash !== requestHash) {
    return {
      action: 'reject',
      code: 'idempotency_key_reused',
      message: 'This idempotency key was already used with a different request',
    };
  }
  if (record.state === 'completed') {
    return { action: 'replay', status: record.responseStatus ?? 200, body: record.responseBody };
  }
  const abandoned = record.lockedAt === null || now.getTime() - record.lockedAt.getTime() > IN_FLIGHT_LEASE_MS;
  if (abandoned) return { action: 'take_over', resourceId: record.resourceId };
  return {
    action: 'reject',
    code: 'idempotency_key_in_use',
    message: 'A request with this idempotency key is still being processed',
  };
}

export function isValidIdempotencyKey(key: string): boolean {
  return key.length > 0 && key.length <= MAX_IDEMPOTENCY_KEY_LENGTH && /^[\x21-\x7e]+$/.test(key);
}

/** A stable text of a JSON value, keys sorted, so equal bodies hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
