/**
 * Coalesces concurrent requests into batches ("natural batching"): a request goes out at once while fewer than
 * `maxInFlight` batches are running, so a quiet system adds no latency; under load the requests that arrive while
 * every slot is busy wait for the next free slot and go together: one statement (or one message) for many.
 * Requests that share a key never share a batch.
 *
 * Plain TypeScript: the caller supplies `runBatch`, which answers every request of a batch, each with a value or
 * its own error.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value: what a batch answers for each of its requests. */
export function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/**
 * The `runBatch` of a coalescer whose batch is one statement for many requests (`run` answers them in order). A
 * statement fails as a whole, so when it does, its requests run again one by one: one request's failure (a value the
 * database refuses, a key a concurrent statement took) then fails that request alone. A request that failed alone is
 * run once more when `retryAlone` says its error was a race it lost (it then finds the winner's row).
 */
export function oneByOneOnFailure<Request, Result>(
  run: (batch: Request[]) => Promise<Result[]>,
  retryAlone: (error: unknown) => boolean = () => false,
): (batch: Request[]) => Promise<Settled<Result>[]> {
  const alone = async (request: Request, retried: boolean): Promise<Result> => {
    try {
      return (await run([request]))[0];
    } catch (error) {
      if (retried || !retryAlone(error)) throw error;
      return alone(request, true);
    }
  };
  return async (batch) => {
    try {
      return (await run(batch)).map((value) => ({ ok: true, value }));
    } catch (error) {
      if (batch.length === 1 && !retryAlone(error)) return [{ ok: false, error }];
      return Promise.all(batch.map((request) => settle(alone(request, batch.length === 1))));
    }
  };
}

export interface CoalescerOptions {
  /** Batches running at once; the (maxInFlight + 1)-th concurrent request waits and is batched. */
  maxInFlight: number;
  /** Largest batch. */
  maxBatch: number;
  /**
   * Most requests that may wait for a slot; one more is refused at once with CoalescerQueueFull (a caller that
   * cannot be served soon is better told so than queued without bound). Unbounded when omitted.
   */
  maxWaiting?: number;
  /** Longest a request may wait for a slot before it is refused with CoalescerQueueTimeout. No limit when omitted. */
  maxWaitMs?: number;
}

/** The coalescer already holds `maxWaiting` requests: this one was not queued. */
export class CoalescerQueueFull extends Error {
  constructor(readonly maxWaiting: number) {
    super(`too many requests waiting (${maxWaiting})`);
    this.name = 'CoalescerQueueFull';
  }
}

/** The request waited `maxWaitMs` for a slot and was dropped unsent. */
export class CoalescerQueueTimeout extends Error {
  constructor(readonly maxWaitMs: number) {
    super(`request waited more than ${maxWaitMs} ms to be sent`);
    this.name = 'CoalescerQueueTimeout';
  }
}

interface Waiting<Request, Result> {
  request: Request;
  resolve: (value: Result) => void;
  reject: (error: unknown) => void;
  /** When it stops waiting (Date.now() ms); only with maxWaitMs. */
  deadline: number;
}

export class RequestCoalescer<Request, Result> {
  private readonly waiting: Waiting<Request, Result>[] = [];
  private inFlight = 0;
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: CoalescerOptions,
    private readonly runBatch: (requests: Request[]) => Promise<Settled<Result>[]>,
    /** Requests with the same key never share a batch (two appends to one stream must be two statements). */
    private readonly keyOf?: (request: Request) => string,
  ) {}

  submit(request: Request): Promise<Result> {
    const { maxWaiting, maxWaitMs } = this.options;
    if (maxWaiting !== undefined && this.waiting.length >= maxWaiting && this.inFlight >= this.options.maxInFlight) {
      return Promise.reject(new CoalescerQueueFull(maxWaiting));
    }
    return new Promise<Result>((resolve, reject) => {
      const deadline = maxWaitMs === undefined ? Infinity : Date.now() + maxWaitMs;
      this.waiting.push({ request, resolve, reject, deadline });
      this.dispatch();
      if (this.waiting.length > 0) this.armExpiry();
    });
  }

  /** Requests still waiting. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  /** One timer for the oldest waiting request's deadline (requests wait in arrival order). */
  private armExpiry(): void {
    if (this.expiryTimer || this.options.maxWaitMs === undefined || this.waiting.length === 0) return;
    const delay = Math.max(0, this.waiting[0].deadline - Date.now());
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = undefined;
      this.expire();
      this.armExpiry();
    }, delay);
    this.expiryTimer.unref?.();
  }

  private expire(): void {
    const now = Date.now();
    const maxWaitMs = this.options.maxWaitMs ?? 0;
    for (let i = 0; i < this.waiting.length;) {
      if (this.waiting[i].deadline <= now) this.waiting.splice(i, 1)[0].reject(new CoalescerQueueTimeout(maxWaitMs));
      else i++;
    }
  }

  private dispatch(): void {
    if (this.options.maxWaitMs !== undefined && this.waiting.length > 0 && this.inFlight < this.options.maxInFlight) {
      this.expire();
    }
    while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      this.runBatch(batch.map((w) => w.request))
        .then(
          (results) =>
            batch.forEach((w, i) => {
              const result = results[i];
              if (result.ok) w.resolve(result.value);
              else w.reject(result.error);
            }),
          (error: unknown) => batch.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          this.inFlight--;
          this.dispatch();
        });
    }
  }

  /** The oldest waiting requests, at most one per key, in arrival order; the rest keep their places. */
  private takeBatch(): Waiting<Request, Result>[] {
    const batch: Waiting<Request, Result>[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < this.waiting.length && batch.length < this.options.maxBatch;) {
      const key = this.keyOf?.(this.waiting[i].request);
      if (key !== undefined && keys.has(key)) {
        i++;
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(...this.waiting.splice(i, 1));
    }
    return batch;
  }
}
