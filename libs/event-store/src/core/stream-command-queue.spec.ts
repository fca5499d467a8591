import { StreamCommandQueue } from './stream-command-queue';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('StreamCommandQueue', () => {
  it('runs the commands of one stream one at a time, in the order they came', async () => {
    const queue = new StreamCommandQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const command = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((n) => queue.run('refund:x', command(n))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('runs different streams side by side', async () => {
    const queue = new StreamCommandQueue();
    let running = 0;
    let most = 0;
    const command = async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    };
    await Promise.all([queue.run('refund:x', command), queue.run('refund:y', command)]);
    expect(most).toBe(2);
  });

  it('goes on after a failed command, which fails only its own caller, and forgets idle streams', async () => {
    const queue = new StreamCommandQueue();
    const failed = queue.run('refund:x', () => Promise.reject(new Error('refused')));
    const next = queue.run('refund:x', () => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran');
    await tick();
    expect(queue.activeStreams).toBe(0);
  });
});
