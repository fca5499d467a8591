import {
  type CanonicalEventFields,
  canonicalEventContent,
  chainHash,
  checkpointEntry,
  eventContentHash,
  foldHash,
  GENESIS_CHAIN_HASH,
  GENESIS_CHAIN_HASH_SQL,
} from './event-chain';

/** Stored as `'{"b": 1, "a": "é\n"}'::jsonb`, `'{"actor":"x"}'::jsonb` and `'2026-01-01 10:00:00.1234+02'`. */
const captured: CanonicalEventFields = {
  streamId: 'payment:pay_1',
  streamType: 'payment',
  streamVersion: 2,
  eventId: 'evt_1',
  eventType: 'PaymentCaptured',
  schemaVersion: 1,
  dataText: '{"a": "é\\n", "b": 1}',
  metadataText: '{"actor": "x"}',
  recordedAtText: '2026-01-01T08:00:00.123400Z',
};

describe('event chain hashing', () => {
  it('hashes an event as PostgreSQL does (vectors from migration 0102: event_content_hash, event_hash_fold)', () => {
    expect(eventContentHash(captured).toString('hex')).toBe(
      '9c1a31109c28d2f62ba584ae001eff8726395966a94a12b83280b292a4448ae1',
    );
    expect(chainHash(null, eventContentHash(captured)).toString('hex')).toBe(
      'f32c09b5c4f3206cbca8e0c93369a49470535335d99ce6a17853c568cf614e5e',
    );
  });

  it('joins the fields with NUL bytes, as UTF-8', () => {
    const content = canonicalEventContent(captured);
    expect(content.toString('utf8').split('\0')).toEqual([
      'payment:pay_1',
      'payment',
      '2',
      'evt_1',
      'PaymentCaptured',
      '1',
      '{"a": "é\\n", "b": 1}',
      '{"actor": "x"}',
      '2026-01-01T08:00:00.123400Z',
    ]);
    expect(content.includes(Buffer.from('é', 'utf8'))).toBe(true);
  });

  it('tells apart events whose fields only differ in where one ends and the next begins', () => {
    const a = eventContentHash({ ...captured, eventId: 'evt_1', eventType: 'XPaymentCaptured' });
    const b = eventContentHash({ ...captured, eventId: 'evt_1X', eventType: 'PaymentCaptured' });
    expect(a.equals(b)).toBe(false);
  });

  it('changes with every field', () => {
    const base = eventContentHash(captured);
    const changed: Partial<CanonicalEventFields>[] = [
      { streamId: 'payment:pay_2' },
      { streamType: 'refund' },
      { streamVersion: 3 },
      { eventId: 'evt_2' },
      { eventType: 'PaymentRefunded' },
      { schemaVersion: 2 },
      { dataText: '{"a": "é\\n", "b": 2}' },
      { metadataText: '{"actor": "y"}' },
      { recordedAtText: '2026-01-01T08:00:00.123401Z' },
    ];
    for (const change of changed) expect(eventContentHash({ ...captured, ...change }).equals(base)).toBe(false);
  });

  it('chains from the genesis value, then from the previous chain hash', () => {
    const first = eventContentHash({ ...captured, streamVersion: 1 });
    const second = eventContentHash(captured);
    const one = chainHash(null, first);
    expect(one.equals(foldHash(GENESIS_CHAIN_HASH, first))).toBe(true);
    expect(chainHash(one, second).equals(chainHash(null, second))).toBe(false);
    expect(chainHash(one, second)).toHaveLength(32);
  });

  it('writes a checkpoint entry as stream id, NUL, version, NUL, then the 32-byte hash', () => {
    const hash = Buffer.alloc(32, 7);
    const entry = checkpointEntry('payment:pay_1', 12, hash);
    expect(entry.subarray(0, entry.length - 32).toString('utf8')).toBe('payment:pay_1\u000012\u0000');
    expect(entry.subarray(entry.length - 32).equals(hash)).toBe(true);
  });

  it('spells the genesis value as a SQL bytea literal of 32 zero bytes', () => {
    expect(GENESIS_CHAIN_HASH_SQL).toBe(`'\\x${'00'.repeat(32)}'::bytea`);
  });
});
