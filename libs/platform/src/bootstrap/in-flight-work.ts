/**
 * The commands a service has accepted and not yet answered, so that shutdown can let them finish instead of cutting
 * them off. A transport asks `tryStart()` before it runs a command and calls `finish()` once it has sent the answer;
 * from `drain()` on, `tryStart()` says no, and the transport refuses the command unexecuted (its caller may take it
 * to another replica), while what was accepted runs to its end.
 */
export class InFlightWork {
  private count = 0;
  private draining = false;
  private readonly idleWaiters = new Set<() => void>();
  private readonly drainListeners = new Set<() => void>();

  get size(): number {
    return this.count;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Whether a command may start; when it may, it counts as in flight until `finish()`. */
  tryStart(): boolean {
    if (this.draining) return false;
    this.count++;
    return true;
  }

  /** Counts work that must end before the drain does, even while draining (a connection flushing its answers). */
  hold(): void {
    this.count++;
  }

  finish(): void {
    if (this.count === 0) return;
    this.count--;
    if (this.count === 0) for (const wake of [...this.idleWaiters]) wake();
  }

  /** `listener` runs once draining starts (at once if it has): a connection ends itself when its own work is done. */
  onDrain(listener: () => void): () => void {
    if (this.draining) {
      listener();
      return () => undefined;
    }
    this.drainListeners.add(listener);
    return () => this.drainListeners.delete(listener);
  }

  /**
   * Refuses new commands from now on, and resolves `true` once every accepted one has finished, or `false` when
   * `timeoutMs` passed first (the shutdown goes on; the process deadline bounds the rest).
   */
  drain(timeoutMs: number): Promise<boolean> {
    if (!this.draining) {
      this.draining = true;
      for (const listener of [...this.drainListeners]) listener();
      this.drainListeners.clear();
    }
    if (this.count === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.idleWaiters.delete(wake);
        resolve(idle);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.idleWaiters.add(wake);
    });
  }
}
