import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import { PostgresTimerStore } from '../postgres/postgres-timer-store';
import { TimerWorker } from '../core/timer-worker';
import type { ClaimedTimer, TimerOutcome } from '../core/timer';
import { isPurgeTaskSource, PURGE_TASK, type PurgeTask } from './purge-task';

export interface HousekeepingOptions {
  /** The timer queue: `housekeeping.<service>`. */
  queue: string;
  /** Time between two runs of a task (HOUSEKEEPING_INTERVAL_MS). */
  intervalMs: number;
  /** How often the worker looks for due tasks (0: only through runDue, in tests). */
  pollMs: number;
}

export const HOUSEKEEPING_OPTIONS = Symbol('HousekeepingOptions');
export const HOUSEKEEPING_TIMER_STORE = Symbol('HousekeepingTimerStore');

/** Rows deleted per statement: short transactions, so a purge never holds locks the work waits on for long. */
const PURGE_BATCH = 5_000;
/** A run stops after this long and comes back a second later; a large backlog is worked off in slices. */
const RUN_BUDGET_MS = 10_000;

/**
 * Runs the service's purge tasks (providers with `[PURGE_TASK]`) on the timer engine: each task is a timer of queue
 * `housekeeping.<service>` (written at start-up if missing, so replicas share it and a restart does not reset it),
 * claimed by one replica, run in batches of PURGE_BATCH, and set again `intervalMs` later.
 */
@Injectable()
export class HousekeepingWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly worker: TimerWorker;
  private tasks = new Map<string, PurgeTask>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(HOUSEKEEPING_TIMER_STORE) private readonly timers: PostgresTimerStore,
    @Inject(HOUSEKEEPING_OPTIONS) private readonly options: HousekeepingOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {
    this.worker = new TimerWorker(timers, clock, (error) =>
      this.logger.event('warn', 'housekeeping.claim_failed', { error }),
    ).register({
      name: options.queue,
      pollMs: options.pollMs,
      batchSize: 10,
      leaseMs: 5 * 60_000,
      handle: (timer) => this.run(timer),
      onFailure: (timer, error, retryInMs) =>
        this.logger.event('warn', 'housekeeping.failed', { task: timer.key, retryInMs, error }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.tasks = new Map(
      this.discovery
        .getProviders()
        .map((wrapper) => wrapper.instance as unknown)
        .filter(isPurgeTaskSource)
        .map((source) => source[PURGE_TASK]())
        .map((task) => [task.name, task]),
    );
    const now = this.clock.now();
    await this.timers
      .schedule(
        [...this.tasks.keys()].map((name) => ({ queue: this.options.queue, key: name, kind: 'purge', dueAt: now })),
        { mode: 'keep' },
      )
      .catch((error: unknown) => this.logger.event('warn', 'housekeeping.schedule_failed', { error }));
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  /** Runs every task due now; returns how many ran (tests). */
  runDue(): Promise<number> {
    return this.worker.runDue(this.options.queue);
  }

  private async run(timer: ClaimedTimer): Promise<TimerOutcome> {
    const task = this.tasks.get(timer.key);
    // A task a newer deploy no longer has: its timer goes.
    if (!task) return { rescheduleAt: null };
    const now = this.clock.now();
    const started = Date.now();
    let deleted = 0;
    for (;;) {
      const batch = await task.purge(now, PURGE_BATCH);
      deleted += batch;
      if (batch < PURGE_BATCH) break;
      if (Date.now() - started > RUN_BUDGET_MS) {
        this.logger.event('info', 'housekeeping.purged', { task: task.name, deleted, more: true });
        return { rescheduleAt: new Date(now.getTime() + 1_000) };
      }
    }
    this.logger.event('info', 'housekeeping.purged', { task: task.name, deleted });
    return { rescheduleAt: new Date(now.getTime() + this.options.intervalMs) };
  }
}
