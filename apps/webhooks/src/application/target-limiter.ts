/**
 * Attempts in flight per target (an endpoint, or an object's webhooksUrl) in this process, at most `perTarget` each,
 * and at most `perTarget` more waiting for one of those slots: a receiver that is slow or hangs holds at most twice
 * that many of the worker's lanes, and the others keep delivering to everyone else. A lane that finds its target
 * full (slots and queue) is looked at again a little later, without a query. Plain bookkeeping, no I/O.
 */
export class TargetLimiter {
  private readonly inFlight = new Map<string, number>();
  private readonly waiting = new Map<string, Waiter[]>();

  constructor(private readonly perTarget: number) {}

  /**
   * A slot for the target: at once if one is free, else after waiting in line for at most `maxWaitMs` (slots are
   * handed over in arrival order as attempts end); false when the line is full or the wait ran out.
   */
  acquire(target: string, maxWaitMs: number): Promise<boolean> {
    const current = this.inFlight.get(target) ?? 0;
    if (current < this.perTarget) {
      this.inFlight.set(target, current + 1);
      return Promise.resolve(true);
    }
    const line = this.waiting.get(target) ?? [];
    if (line.length >= this.perTarget || maxWaitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        resolve,
        timer: setTimeout(() => {
          line.splice(line.indexOf(waiter), 1);
          if (line.length === 0) this.waiting.delete(target);
          resolve(false);
        }, maxWaitMs),
      };
      line.push(waiter);
      this.waiting.set(target, line);
    });
  }

  /** Ends an attempt: its slot goes to the first in line, or is freed. */
  release(target: string): void {
    const line = this.waiting.get(target);
    const next = line?.shift();
    if (next) {
      if (line!.length === 0) this.waiting.delete(target);
      clearTimeout(next.timer);
      next.resolve(true);
      return;
    }
    const current = this.inFlight.get(target) ?? 0;
    if (current <= 1) this.inFlight.delete(target);
    else this.inFlight.set(target, current - 1);
  }
}

interface Waiter {
  resolve: (acquired: boolean) => void;
  timer: NodeJS.Timeout;
}
