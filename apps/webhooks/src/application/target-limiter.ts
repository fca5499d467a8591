/**
 * Attempts in flight per target (an endpoint, or an object's webhooksUrl) in this process, at most `perTarget` each:
 * a receiver that is slow or hangs holds that many of the worker's lanes at most, and the others keep delivering to
 * everyone else. Plain bookkeeping, no I/O.
 */
export class TargetLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly perTarget: number) {}

  /** Takes a slot for the target; false when it already has `perTarget` attempts in flight. */
  tryAcquire(target: string): boolean {
    const current = this.inFlight.get(target) ?? 0;
    if (current >= this.perTarget) return false;
    this.inFlight.set(target, current + 1);
    return true;
  }

  release(target: string): void {
    const current = this.inFlight.get(target) ?? 0;
    if (current <= 1) this.inFlight.delete(target);
    else this.inFlight.set(target, current - 1);
  }
}
