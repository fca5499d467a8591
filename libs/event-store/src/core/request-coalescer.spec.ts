import {
  oneByOneOnFailure,
  CoalescerQueueFull,
  CoalescerQueueTimeout,
  type Settled,
  RequestCoalescer,
} from './request-coalescer';

/** A batch runner whose batches finish when the test says so, recording what each batch held. */
function controlledRunner() {
  const batches: string[][] = [];
  const finishers: (() => void)[] = [];
  const run = (requests: string[]): Promise<Settled<string>[]> => {
    batches.push(requests);
    return new Promise((resolve) =>
      finishers.push(() =>
        resolve(
          requests.map((r) =>
            r.startsWith('bad') ? { ok: false, error: new Error(r) } : { ok: true, value: r.toUpperCase() },
          ),
        ),
      ),
    );
  };
  const finishNext = async () => {
    finishers.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, run, finishNext };
}

const byStream = (request: string) => request.split('/')[0];

describe('RequestCoalescer', () => {
  it('sends a request at once while a slot is free, and batches what arrives while every slot is busy', async () => {
    const runner = controlledRunner();
    const coalescer = new RequestCoalescer({ maxInFlight: 1, maxBatch: 10 }, runner.run, byStream);
    const answers = ['a/1', 'b/1', 'c/1', 'd/1'].map((r) => coalescer.submit(r));
    expect(runner.batches).toEqual([['a/1']]);
    await runner.finishNext();
    expect(runner.batches).toEqual([['a/1'], ['b/1', 'c/1', 'd/1']]);
    await runner.finishNext();
    await expect(Promise.all(answers)).resolves.toEqual(['A/1', 'B/1', 'C/1', 'D/1']);
  });

  it('never puts two requests with one key in a batch, and keeps arrival order otherwise', async () => {
    const runner = controlledRunner();
    const coalescer = new RequestCoalescer({ maxInFlight: 1, maxBatch: 10 }, runner.run, byStream);
    const answers = ['x/0', 'a/1', 'a/2', 'b/1', 'a/3', 'b/2'].map((r) => coalescer.submit(r));
    await runner.finishNext();
    expect(runner.batches[1]).toEqual(['a/1', 'b/1']);
    await runner.finishNext();
    expect(runner.batches[2]).toEqual(['a/2', 'b/2']);
    await runner.finishNext();
    expect(runner.batches[3]).toEqual(['a/3']);
    await runner.finishNext();
    await expect(Promise.all(answers)).resolves.toHaveLength(6);
  });

  it('caps a batch at maxBatch and runs up to maxInFlight batches at once', async () => {
    const runner = controlledRunner();
    const coalescer = new RequestCoalescer({ maxInFlight: 2, maxBatch: 2 }, runner.run, byStream);
    const answers = ['a', 'b', 'c', 'd', 'e', 'f'].map((r) => coalescer.submit(r));
    expect(runner.batches).toEqual([['a'], ['b']]);
    await runner.finishNext();
    expect(runner.batches[2]).toEqual(['c', 'd']);
    await runner.finishNext();
    expect(runner.batches[3]).toEqual(['e', 'f']);
    await runner.finishNext();
    await runner.finishNext();
    await expect(Promise.all(answers)).resolves.toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
  });

  it('gives each request its own outcome, and a batch that fails as a whole fails each of its requests', async () => {
    const runner = controlledRunner();
    const coalescer = new RequestCoalescer({ maxInFlight: 1, maxBatch: 10 }, runner.run, byStream);
    const first = coalescer.submit('ok');
    const bad = coalescer.submit('bad-one').catch((error: Error) => error.message);
    const good = coalescer.submit('fine');
    await runner.finishNext();
    await runner.finishNext();
    await expect(first).resolves.toBe('OK');
    await expect(bad).resolves.toBe('bad-one');
    await expect(good).resolves.toBe('FINE');

    const broken = new RequestCoalescer<string, string>({ maxInFlight: 1, maxBatch: 10 }, () =>
      Promise.reject(new Error('connection lost')),
    );
    await expect(Promise.all([broken.submit('a'), broken.submit('b')])).rejects.toThrow('connection lost');
    await expect(broken.submit('c')).rejects.toThrow('connection lost');
  });

  it('refuses a request at once when maxWaiting requests already wait for a slot', async () => {
    const runner = controlledRunner();
    const coalescer = new RequestCoalescer({ maxInFlight: 1, maxBatch: 10, maxWaiting: 2 }, runner.run);
    const sent = coalescer.submit('a');
    const queued = [coalescer.submit('b'), coalescer.submit('c')];
    await expect(coalescer.submit('d')).rejects.toBeInstanceOf(CoalescerQueueFull);
    expect(coalescer.waitingCount).toBe(2);
    await runner.finishNext();
    await runner.finishNext();
    await expect(Promise.all([sent, ...queued])).resolves.toEqual(['A', 'B', 'C']);
    // Room again once the queue drained.
    const later = coalescer.submit('e');
    await runner.finishNext();
    await expect(later).resolves.toBe('E');
  });

  it('drops a request unsent once it has waited maxWaitMs for a slot', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const runner = controlledRunner();
      const coalescer = new RequestCoalescer({ maxInFlight: 1, maxBatch: 10, maxWaitMs: 100 }, runner.run);
      const sent = coalescer.submit('a');
      const waiting = coalescer.submit('b').catch((error: unknown) => error);
      jest.advanceTimersByTime(150);
      await expect(waiting).resolves.toBeInstanceOf(CoalescerQueueTimeout);
      await runner.finishNext();
      await expect(sent).resolves.toBe('A');
      expect(runner.batches).toEqual([['a']]);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('oneByOneOnFailure', () => {
  /** A statement that refuses any batch holding 'bad', and fails 'raced' the first time it runs alone. */
  function statement() {
    const runs: string[][] = [];
    let racedOnce = false;
    const run = (batch: string[]): Promise<string[]> => {
      runs.push(batch);
      if (batch.includes('bad')) return Promise.reject(Object.assign(new Error('refused'), { code: '22P02' }));
      if (batch.length === 1 && batch[0] === 'raced' && !racedOnce) {
        racedOnce = true;
        return Promise.reject(Object.assign(new Error('lost'), { code: '23505' }));
      }
      return Promise.resolve(batch.map((r) => r.toUpperCase()));
    };
    return { run, runs };
  }
  const lost = (error: unknown) => (error as { code?: string }).code === '23505';

  it('answers a batch that succeeds with one statement', async () => {
    const { run, runs } = statement();
    await expect(oneByOneOnFailure(run, lost)(['a', 'b'])).resolves.toEqual([
      { ok: true, value: 'A' },
      { ok: true, value: 'B' },
    ]);
    expect(runs).toEqual([['a', 'b']]);
  });

  it('runs a failed batch one by one, so only the bad request fails', async () => {
    const { run, runs } = statement();
    const results = await oneByOneOnFailure(run, lost)(['a', 'bad', 'c']);
    expect(results[0]).toEqual({ ok: true, value: 'A' });
    expect(results[1]).toMatchObject({ ok: false, error: { code: '22P02' } });
    expect(results[2]).toEqual({ ok: true, value: 'C' });
    expect(runs).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  it('runs a request alone once more after a lost race, and never more than once', async () => {
    const { run, runs } = statement();
    await expect(oneByOneOnFailure(run, lost)(['raced'])).resolves.toEqual([{ ok: true, value: 'RACED' }]);
    expect(runs).toEqual([['raced'], ['raced']]);
    const bad = await oneByOneOnFailure(run, () => true)(['bad']);
    expect(bad[0]).toMatchObject({ ok: false });
  });

  it('does not run a request alone again for an error that is not a race', async () => {
    const { run, runs } = statement();
    const results = await oneByOneOnFailure(run)(['bad']);
    expect(results[0]).toMatchObject({ ok: false, error: { code: '22P02' } });
    expect(runs).toEqual([['bad']]);
  });
});
