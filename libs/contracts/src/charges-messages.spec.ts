import { listConsistencyWaitMs, MAX_LIST_CONSISTENCY_WAIT_MS } from './charges-messages';

describe('listConsistencyWaitMs', () => {
  it('grants what a list asks for, up to the cap; nothing for an absent, negative or malformed ask', () => {
    expect(listConsistencyWaitMs({ consistencyWaitMs: 500 })).toBe(500);
    expect(listConsistencyWaitMs({ consistencyWaitMs: 60_000 })).toBe(MAX_LIST_CONSISTENCY_WAIT_MS);
    expect(listConsistencyWaitMs({})).toBe(0);
    expect(listConsistencyWaitMs({ consistencyWaitMs: -1 })).toBe(0);
    expect(listConsistencyWaitMs({ consistencyWaitMs: Number.NaN })).toBe(0);
    expect(listConsistencyWaitMs({ consistencyWaitMs: '500' as unknown as number })).toBe(0);
  });
});
