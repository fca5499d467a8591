import type { StreamSnapshot } from './handle-command';

/**
 * The last snapshot ({ state, version }) this process saw of its busiest streams, to pass to handleCommand as `known`
 * instead of reading and folding the whole stream again. A snapshot can only be stale (another replica wrote since),
 * never wrong: a stale one fails the append's version check and the loop reads the stream and decides again. A
 * caller that can also be refused on a stale state (a rule that a newer event would have let through) decides again
 * from a fresh read before it answers with the refusal.
 *
 * Bounded: the least recently used stream goes when `maxStreams` are held.
 */
export class StreamSnapshotCache<State> {
  private readonly snapshots = new Map<string, StreamSnapshot<State>>();

  constructor(private readonly maxStreams = 10_000) {}

  get(streamId: string): StreamSnapshot<State> | undefined {
    const snapshot = this.snapshots.get(streamId);
    if (snapshot === undefined) return undefined;
    this.snapshots.delete(streamId);
    this.snapshots.set(streamId, snapshot);
    return snapshot;
  }

  /** Keeps the snapshot unless one of a later version is held already. */
  set(streamId: string, snapshot: StreamSnapshot<State>): void {
    const held = this.snapshots.get(streamId);
    if (held !== undefined && held.version > snapshot.version) return;
    this.snapshots.delete(streamId);
    this.snapshots.set(streamId, { state: snapshot.state, version: snapshot.version });
    if (this.snapshots.size > this.maxStreams) {
      const oldest = this.snapshots.keys().next().value;
      if (oldest !== undefined) this.snapshots.delete(oldest);
    }
  }

  delete(streamId: string): void {
    this.snapshots.delete(streamId);
  }

  get size(): number {
    return this.snapshots.size;
  }
}
