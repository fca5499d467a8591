import { randomFillSync } from 'node:crypto';

/**
 * Prefixed, opaque ids generated in one place. The body is a UUIDv7 in hex: time-ordered (good index locality
 * in PostgreSQL) and unguessable enough that one merchant cannot enumerate another's objects.
 */
export const ID_PREFIXES = {
  event: 'evt',
  charge: 'charge',
  agreement: 'agr',
  refund: 'refund',
  chargeback: 'cb',
  capture: 'cap',
  void: 'void',
  authorization: 'auth',
  instrument: 'instr',
  merchant: 'mch',
  webhookEndpoint: 'we',
  webhookDelivery: 'whd',
  history: 'hist',
  agreementHistory: 'ahist',
  apiKey: 'key',
  /** A journal entry: `le_` and the hex of the event that posted it (one entry per event). */
  ledgerEntry: 'le',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/**
 * Ids of one process are strictly increasing, even within one millisecond (RFC 9562 method 1: the 12 bits after
 * the timestamp are a counter that starts at a random point each millisecond; on overflow the timestamp moves on).
 * Lists ordered by id are then in creation order.
 */
let lastMs = -1;
let sequence = 0;

/** Random bytes are drawn from the CSPRNG 4 KiB at a time: one draw per id costs more than the rest of the id. */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

function takeRandom(size: number): Buffer {
  if (randomOffset + size > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += size;
  return randomPool.subarray(randomOffset - size, randomOffset);
}

export function uuidv7Hex(now: number = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    sequence++;
    if (sequence > 0xfff) {
      ms++;
      sequence = takeRandom(2).readUInt16BE() & 0x7ff;
    }
  } else {
    sequence = takeRandom(2).readUInt16BE() & 0x7ff;
  }
  lastMs = ms;
  const bytes = Buffer.from(takeRandom(16));
  bytes.writeUIntBE(ms, 0, 6); // 48-bit big-endian timestamp
  bytes[6] = 0x70 | (sequence >> 8); // version 7, counter high bits
  bytes[7] = sequence & 0xff;
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  return bytes.toString('hex');
}

export function newId(kind: IdKind, now?: number): string {
  return `${ID_PREFIXES[kind]}_${uuidv7Hex(now)}`;
}

/** The pattern of each kind of id (its prefix and 32 hex digits): what an id, a cursor or an id filter must match. */
export const ID_PATTERNS = Object.fromEntries(
  Object.entries(ID_PREFIXES).map(([kind, prefix]) => [kind, `^${prefix}_[0-9a-f]{32}$`]),
) as Readonly<Record<IdKind, string>>;

const ID_REGEXPS = Object.fromEntries(
  Object.entries(ID_PATTERNS).map(([kind, pattern]) => [kind, new RegExp(pattern)]),
) as Readonly<Record<IdKind, RegExp>>;

export function hasPrefix(id: string, kind: IdKind): boolean {
  return ID_REGEXPS[kind].test(id);
}
