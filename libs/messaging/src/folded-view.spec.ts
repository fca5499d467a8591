import { type FoldedState, foldStream } from './folded-view';

/** A state that shows which events were folded, in which order. */
const view = { evolve: (state: string[], event: { type: string }) => [...state, event.type] };
const event = (streamVersion: number) => ({ type: `e${streamVersion}`, schemaVersion: 1, data: null, streamVersion });
const start: FoldedState<string[]> = { streamVersion: 0, state: [] };

describe('foldStream', () => {
  it('folds consecutive events in order', () => {
    expect(foldStream(view, start, [event(1), event(2), event(3)])).toEqual({
      streamVersion: 3,
      state: ['e1', 'e2', 'e3'],
    });
  });

  it('continues from a stored state', () => {
    expect(foldStream(view, { streamVersion: 2, state: ['e1', 'e2'] }, [event(3)])).toEqual({
      streamVersion: 3,
      state: ['e1', 'e2', 'e3'],
    });
  });

  it('passes over events already applied and returns the stored state when nothing is new', () => {
    const stored = { streamVersion: 2, state: ['e1', 'e2'] };
    expect(foldStream(view, stored, [event(1), event(2), event(3)])).toEqual({
      streamVersion: 3,
      state: ['e1', 'e2', 'e3'],
    });
    expect(foldStream(view, stored, [event(2)])).toBe(stored);
  });

  it('reports a gap before the first new event or between two of them', () => {
    expect(foldStream(view, { streamVersion: 1, state: ['e1'] }, [event(3)])).toBe('gap');
    expect(foldStream(view, start, [event(1), event(3)])).toBe('gap');
  });
});
