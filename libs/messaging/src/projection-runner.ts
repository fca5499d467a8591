import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { type EventStore, inTransaction, type LogCursor, type RecordedEvent } from '@payment-ledger/event-store';
import type { JsonLogger } from '@payment-ledger/platform';
import { readLogCheckpoint, saveLogCheckpoint } from './log-checkpoints';

/**
 * A read model kept from the event store by a ProjectionRunner: a service's view of its own events (its list
 * tables), or a view of everyone's events (the ledger), both read from the global log by the safe position.
 * Kafka is for services that react to each other's events, not for a service reading its own.
 */
export interface Projection {
  /** Names its checkpoint in `relay_checkpoints`; a rebuild's is `<name>#rebuild-<n>`. */
  readonly name: string;
  /** The table it keeps: a rebuild fills a fresh copy of it from position 0 and swaps it in. */
  readonly table: string;
  /** The stream types it reads; absent, the whole log. */
  readonly streamTypes?: readonly string[];
  /**
   * Applies a batch of events, in log order, to `table` (the live table, or a rebuild's copy) in `session`'s
   * transaction, which also moves the checkpoint past them: each event is applied once per table. Runs under the
   * checkpoint row's lock, so nothing else writes `table` meanwhile.
   */
  apply(session: PoolClient, events: readonly RecordedEvent[], table: string): Promise<void>;
}

/** Where a projection writes and keeps its place: the live table and checkpoint, or a rebuild's. */
export interface ProjectionTarget {
  table: string;
  checkpoint: string;
}

export const liveTarget = (projection: Projection): ProjectionTarget => ({
  table: projection.table,
  checkpoint: projection.name,
});

export const DEFAULT_PROJECTION_BATCH_SIZE = 1000;

const sameCursor = (a: LogCursor, b: LogCursor) =>
  a.transactionId === b.transactionId && a.globalPosition === b.globalPosition;

export const readOptions = (projection: Projection, limit: number) => ({
  limit,
  streamTypes: projection.streamTypes ? [...projection.streamTypes] : undefined,
});

/**
 * Applies the next batch of the log (up to `batchSize` events after the target's checkpoint) in one transaction
 * with the checkpoint; returns how many events it applied (0: caught up).
 *
 * The log is read first without a transaction or a lock, so a caught-up projection costs two reads per poll and
 * writes nothing. A batch is then: BEGIN, the checkpoint row's lock, the projection's statements (a folded view:
 * at most a read of the rows it changes, and one multi-row upsert), the checkpoint, COMMIT. Replicas take turns on
 * the lock; one that finds the checkpoint moved meanwhile reads again from where the other left off.
 */
export async function projectBatch(
  pool: Pool,
  store: EventStore,
  projection: Projection,
  target: ProjectionTarget,
  batchSize = DEFAULT_PROJECTION_BATCH_SIZE,
): Promise<number> {
  const seen = await readLogCheckpoint(pool, target.checkpoint);
  const peeked = await store.readAll(seen, readOptions(projection, batchSize));
  if (peeked.events.length === 0) return 0;
  return inTransaction(pool, async (session) => {
    const from = await readLogCheckpoint(session, target.checkpoint, { forUpdate: true });
    const { events, cursor } = sameCursor(from, seen)
      ? peeked
      : await store.readAll(from, readOptions(projection, batchSize));
    if (events.length === 0) return 0;
    await projection.apply(session, events, target.table);
    await saveLogCheckpoint(session, target.checkpoint, cursor);
    return events.length;
  });
}

/** Applies batches until the log has no more for the target (as far as is safe to read); returns the events read. */
export async function catchUpProjection(
  pool: Pool,
  store: EventStore,
  projection: Projection,
  target: ProjectionTarget = liveTarget(projection),
  batchSize = DEFAULT_PROJECTION_BATCH_SIZE,
): Promise<number> {
  let total = 0;
  for (;;) {
    const applied = await projectBatch(pool, store, projection, target, batchSize);
    total += applied;
    if (applied < batchSize) return total;
  }
}

export interface ProjectionRunnerOptions {
  /** How long to wait after catching up before reading the log again: about a write's lag behind the view. */
  pollMs: number;
  batchSize?: number;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * Keeps one projection's live table up to date: every `pollMs` it catches up with the log, in batches. A failed
 * batch (the database away, say) is logged and tried again after a growing pause; nothing is lost, since the
 * checkpoint only moves with the rows.
 */
export class ProjectionRunner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions,
    private readonly logger?: JsonLogger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Catches up now (tests, and the CLI); returns the events applied. */
  catchUp(): Promise<number> {
    return catchUpProjection(this.pool, this.store, this.projection, liveTarget(this.projection), this.batchSize);
  }

  private get batchSize(): number {
    return this.options.batchSize ?? DEFAULT_PROJECTION_BATCH_SIZE;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        if (!this.stopped) {
          const backoff = Math.min(this.options.pollMs * 2 ** this.failures, MAX_BACKOFF_MS);
          this.schedule(this.failures > 0 ? backoff : this.options.pollMs);
        }
      });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    try {
      await this.catchUp();
      this.failures = 0;
    } catch (error) {
      this.failures = Math.min(this.failures + 1, 16);
      this.logger?.event('warn', 'projection.catch_up_failed', { projection: this.projection.name, error });
    }
  }
}

/** The runners of a service's projections, started with the app and stopped before its database pool closes. */
export class ProjectionRunners implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly runners: ProjectionRunner[];

  constructor(
    pool: Pool,
    store: EventStore,
    projections: readonly Projection[],
    options: ProjectionRunnerOptions,
    logger?: JsonLogger,
  ) {
    this.runners = projections.map((projection) => new ProjectionRunner(pool, store, projection, options, logger));
  }

  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  /** Catches every projection up now; returns the events applied. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (const runner of this.runners) total += await runner.catchUp();
    return total;
  }
}
