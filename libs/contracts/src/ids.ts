import { randomBytes } from 'node:crypto';

/**
 * Prefixed, opaque ids generated in one place. The body is a UUIDv7 in hex: time-ordered (good index locality
 * in PostgreSQL) and unguessable enough that one merchant cannot enumerate another's objects.
 */
export const ID_PREFIXES = {
  event: 'evt',
  charge: 'charge',
  agreement: 'agr',
  refund: 'refund',
  capture: 'cap',
  void: 'void',
  authorization: 'auth',
  instrument: 'instr',
  merchant: 'mch',
  webhookEndpoint: 'we',
  webhookDelivery: 'whd',
  history: 'hist',
  agreementHistory: 'ahist',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function uuidv7Hex(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  const ms = BigInt(now);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return bytes.toString('hex');
}

export function newId(kind: IdKind, now?: number): string {
  return `${ID_PREFIXES[kind]}_${uuidv7Hex(now)}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-f]{32}$`).test(id);
}
