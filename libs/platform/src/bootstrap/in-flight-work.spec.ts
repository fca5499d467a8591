import { InFlightWork } from './in-flight-work';

describe('InFlightWork', () => {
  it('takes commands until it drains, then refuses them', async () => {
    const work = new InFlightWork();
    expect(work.tryStart()).toBe(true);
    expect(work.size).toBe(1);
    const drained = work.drain(1_000);
    expect(work.isDraining).toBe(true);
    expect(work.tryStart()).toBe(false);
    expect(work.size).toBe(1);
    work.finish();
    await expect(drained).resolves.toBe(true);
  });

  it('drains at once when nothing is in flight', async () => {
    await expect(new InFlightWork().drain(10_000)).resolves.toBe(true);
  });

  it('gives up waiting after the timeout, and says so', async () => {
    jest.useFakeTimers();
    try {
      const work = new InFlightWork();
      work.tryStart();
      const drained = work.drain(500);
      jest.advanceTimersByTime(500);
      await expect(drained).resolves.toBe(false);
      expect(work.size).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('tells its listeners once when draining starts, and late listeners at once', () => {
    const work = new InFlightWork();
    const early = jest.fn();
    const removed = jest.fn();
    work.onDrain(early);
    work.onDrain(removed)();
    void work.drain(10);
    void work.drain(10);
    expect(early).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
    const late = jest.fn();
    work.onDrain(late);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it('holds the drain for work counted while draining (a connection flushing its answers)', async () => {
    const work = new InFlightWork();
    const drained = work.drain(1_000);
    work.hold();
    const later = work.drain(1_000);
    await expect(drained).resolves.toBe(true);
    let done = false;
    void later.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    work.finish();
    await expect(later).resolves.toBe(true);
  });

  it('never counts below zero', () => {
    const work = new InFlightWork();
    work.finish();
    expect(work.size).toBe(0);
    expect(work.tryStart()).toBe(true);
    expect(work.size).toBe(1);
  });
});
