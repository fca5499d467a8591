import { StreamSnapshotCache } from './snapshot-cache';

describe('StreamSnapshotCache', () => {
  it('keeps the latest version of each stream and never goes back to an older one', () => {
    const cache = new StreamSnapshotCache<string>();
    cache.set('refund:a', { state: 'v2', version: 2 });
    cache.set('refund:a', { state: 'v1', version: 1 });
    expect(cache.get('refund:a')).toEqual({ state: 'v2', version: 2 });
    cache.set('refund:a', { state: 'v3', version: 3 });
    expect(cache.get('refund:a')).toEqual({ state: 'v3', version: 3 });
  });

  it('forgets the least recently used stream past its bound', () => {
    const cache = new StreamSnapshotCache<string>(2);
    cache.set('s:a', { state: 'a', version: 1 });
    cache.set('s:b', { state: 'b', version: 1 });
    cache.get('s:a');
    cache.set('s:c', { state: 'c', version: 1 });
    expect(cache.get('s:b')).toBeUndefined();
    expect(cache.get('s:a')).toBeDefined();
    expect(cache.size).toBe(2);
    cache.delete('s:a');
    expect(cache.get('s:a')).toBeUndefined();
  });
});
