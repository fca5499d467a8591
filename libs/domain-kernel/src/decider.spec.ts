import { fold } from './decider';

describe('fold', () => {
  const decider = {
    initialState: ['start'],
    evolve: (state: string[], event: { type: string; data: number }) => [...state, `${event.type}:${event.data}`],
  };

  it('folds the events into the initial state in order', () => {
    const events = [
      { type: 'A', data: 1 },
      { type: 'B', data: 2 },
      { type: 'A', data: 3 },
    ];
    expect(fold(decider, events)).toEqual(['start', 'A:1', 'B:2', 'A:3']);
  });

  it('reads any iterable once, and gives the initial state for no events', () => {
    function* events() {
      yield { type: 'C', data: 4 };
    }
    expect(fold(decider, events())).toEqual(['start', 'C:4']);
    expect(fold(decider, [])).toBe(decider.initialState);
  });
});
