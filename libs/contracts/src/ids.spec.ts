import fc from 'fast-check';
import { hasPrefix, newId, uuidv7Hex } from './ids';

describe('ids', () => {
  it('prefixes ids by kind', () => {
    expect(newId('event')).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(hasPrefix(newId('charge'), 'charge')).toBe(true);
    expect(hasPrefix(newId('charge'), 'agreement')).toBe(false);
  });

  it('orders ids by creation time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 20 }), (t, dt) => {
        expect(uuidv7Hex(t) < uuidv7Hex(t + dt)).toBe(true);
      }),
    );
  });

  it('increases strictly within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7Hex(1_700_000_000_000));
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('event')));
    expect(ids.size).toBe(10_000);
  });
});
