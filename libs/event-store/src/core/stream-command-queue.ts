/**
 * One command at a time per stream, within this process: a command on a stream waits for the one before it on the
 * same stream, and commands on different streams run side by side.
 *
 * For streams that many requests write at once (a charge's refund stream, refunded by 16 clients together): the
 * version check alone keeps them correct, but every loser of a race reads, decides and appends again, and past the
 * loop's retries a request fails with a concurrency error though nothing was wrong with it. Queued, each decides
 * on the state its predecessor left, so in one process none conflicts; between replicas the version check still
 * decides, and the loop's retries are enough for the rare overlap.
 */
export class StreamCommandQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` once every earlier command on `streamId` queued here has finished (succeeded or failed). */
  run<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(streamId) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(streamId, tail);
    void tail.then(() => {
      if (this.tails.get(streamId) === tail) this.tails.delete(streamId);
    });
    return result;
  }

  /** Streams with a command running or waiting (for tests and metrics). */
  get activeStreams(): number {
    return this.tails.size;
  }
}
