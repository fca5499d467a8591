import { setTimeout as sleep } from 'node:timers/promises';
import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { type EventStore, inTransaction, type LogCursor, type RecordedEvent } from '@payment-ledger/event-store';
import type { JsonLogger } from '@payment-ledger/platform';
import { readLogCheckpoint, saveLogCheckpoint } from './log-checkpoints';
import { isLogReadableUpTo, readLogHorizon } from './log-horizon';

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
  /**
   * Further tables it keeps in the same batches (the ledger's lines and posting state beside its entries): a rebuild
   * copies, fills and swaps them together with `table`, in the same transaction.
   */
  readonly companionTables?: readonly string[];
  /** The stream types it reads; absent, the whole log. */
  readonly streamTypes?: readonly string[];
  /**
   * Applies a batch of events, in log order, to `table` (the live table, or a rebuild's copy) in `session`'s
   * transaction, which also moves the checkpoint past them: each event is applied once per table. Runs under the
   * checkpoint row's lock, so nothing else writes `table` meanwhile. `tableOf` names where each of its
   * `companionTables` is written (the live one, or the rebuild's copy).
   */
  apply(
    session: PoolClient,
    events: readonly RecordedEvent[],
    table: string,
    tableOf: (companion: string) => string,
  ): Promise<void>;
}

/** Where a projection writes and keeps its place: the live tables and checkpoint, or a rebuild's. */
export interface ProjectionTarget {
  table: string;
  checkpoint: string;
  /** A live table's name → the one to write (the identity for the live target). */
  tableOf(live: string): string;
}

export const liveTarget = (projection: Projection): ProjectionTarget => ({
  table: projection.table,
  checkpoint: projection.name,
  tableOf: (live) => live,
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
    await projection.apply(session, events, target.table, target.tableOf);
    await saveLogCheckpoint(session, target.checkpoint, cursor);
    return events.length;
  });
}

/**
 * Applies batches until the log has no more for the target (as far as is safe to read); returns the events read.
 * `onBatch` hears the running total after each batch (a rebuild's progress bar).
 */
export async function catchUpProjection(
  pool: Pool,
  store: EventStore,
  projection: Projection,
  target: ProjectionTarget = liveTarget(projection),
  batchSize = DEFAULT_PROJECTION_BATCH_SIZE,
  onBatch?: (events: number) => void,
): Promise<number> {
  let total = 0;
  for (;;) {
    const applied = await projectBatch(pool, store, projection, target, batchSize);
    total += applied;
    onBatch?.(total);
    if (applied < batchSize) return total;
  }
}

export interface ProjectionRunnerOptions {
  /** How long to wait after catching up before reading the log again: about a write's lag behind the view. */
  pollMs: number;
  batchSize?: number;
}

const MAX_BACKOFF_MS = 5_000;
/** Read-your-writes asks again whether the log is readable up to its horizon after 1, 2, 4, 8, 16, 16… ms. */
const MAX_RECHECK_PAUSE_MS = 16;

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
  /** Read-your-writes' shared catch-ups: the one running, and the one that starts after it (see nextCatchUp). */
  private sharedRunning?: Promise<number>;
  private sharedNext?: Promise<number>;

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

  /**
   * Read-your-writes: brings the live table up to every event of the projection's stream types committed before
   * the call, waiting at most `maxWaitMs` (0: not at all). Resolves true when the table has them all, false when it
   * gave up (the table is then as the polls left it, about `pollMs` behind); it never rejects, so a list asked
   * right after a write shows the write, and a list asked while the log is held up still answers with what there is.
   *
   * One statement reads the newest committed event's transaction id and whether a log read would pass it yet (see
   * log-horizon.ts); while a transaction with an older id is still running it asks again every few ms. Then it
   * waits for a catch-up that starts after that answer: every read of that catch-up passes the horizon. Concurrent
   * callers share catch-ups (one runs, and every caller arriving meanwhile shares the next), so a burst of lists
   * costs a couple of catch-ups, not one each. It works across replicas: the view, the checkpoint and the log are
   * all in the database, and the batches take turns on the checkpoint's lock with the runners' own polls.
   *
   * The bound is wall-clock time (a request's wait), not the injected clock of schedules and expiries.
   */
  async catchUpWithCommitted(maxWaitMs: number): Promise<boolean> {
    if (!(maxWaitMs > 0)) return false;
    const deadline = Date.now() + maxWaitMs;
    try {
      const horizon = await readLogHorizon(this.pool, this.projection.streamTypes);
      if (horizon.lastCommitted === null) return true;
      let readable = horizon.readable;
      for (let pause = 1; !readable; pause = Math.min(pause * 2, MAX_RECHECK_PAUSE_MS)) {
        const left = deadline - Date.now();
        if (left <= 0) return this.gaveUp(maxWaitMs, 'log_held_up');
        await sleep(Math.min(pause, left));
        readable = await isLogReadableUpTo(this.pool, horizon.lastCommitted);
      }
      const left = deadline - Date.now();
      if (left <= 0) return this.gaveUp(maxWaitMs, 'log_held_up');
      return (await settlesWithin(this.nextCatchUp(), left)) || this.gaveUp(maxWaitMs, 'catch_up_slow');
    } catch (error) {
      this.logger?.event('warn', 'projection.read_your_writes_failed', { projection: this.projection.name, error });
      return false;
    }
  }

  private gaveUp(maxWaitMs: number, reason: string): false {
    this.logger?.event('debug', 'projection.read_your_writes_timed_out', {
      projection: this.projection.name,
      maxWaitMs,
      reason,
    });
    return false;
  }

  /**
   * A catch-up that starts after this call: the shared one queued behind the one running, or a new one if none is
   * running. (Joining the running one would not do: it may have read the log before the caller's horizon.)
   */
  private nextCatchUp(): Promise<number> {
    if (this.sharedNext) return this.sharedNext;
    if (!this.sharedRunning) return this.startSharedCatchUp();
    const next = this.sharedRunning
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.sharedNext = undefined;
        return this.startSharedCatchUp();
      });
    this.sharedNext = next;
    return next;
  }

  private startSharedCatchUp(): Promise<number> {
    const run: Promise<number> = this.catchUp().finally(() => {
      if (this.sharedRunning === run) this.sharedRunning = undefined;
    });
    this.sharedRunning = run;
    return run;
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

  /**
   * Read-your-writes for a read of the named projection's table (a list): see ProjectionRunner.catchUpWithCommitted.
   */
  catchUpWithCommitted(projectionName: string, maxWaitMs: number): Promise<boolean> {
    const runner = this.runners.find((r) => r.projection.name === projectionName);
    if (!runner) throw new Error(`no projection named ${projectionName} is registered`);
    return runner.catchUpWithCommitted(maxWaitMs);
  }

  /** Catches every projection up now; returns the events applied. */
  async catchUp(): Promise<number> {
    let total = 0;
    for (const runner of this.runners) total += await runner.catchUp();
    return total;
  }
}

/** Whether `work` settles within `ms` (true), or not (false: it goes on, and its outcome is dropped). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
