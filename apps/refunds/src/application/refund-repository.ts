import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import {
  type CommandStep,
  type EventMetadata,
  type EventStore,
  handleCommand,
  inTransaction,
  loadStream,
  runPendingCalls,
  StreamCommandQueue,
  type StreamSnapshot,
  StreamSnapshotCache,
} from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { CLOCK, type Clock, PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import { type RefundEvent, refundStreamId } from '@payment-ledger/contracts';
import { chargeRefundsDecider, type ChargeRefundsState } from '../domain/charge-refunds.decider';
import type { RefundCommand } from '../domain/refund-commands';
import { PaymentChargeNotFound } from '../domain/refund-errors';
import { pendingRefundCalls } from '../domain/refund-provider-calls';
import { PROVIDER_RETRY_AFTER_MS, type RefundTimer, timersOf } from '../domain/refund-timers';
import { RefundProviderCalls } from './refund-provider-calls';
import { refundTimers } from './refund-timers';

/** Version races a refund command may lose before its caller hears of it (see `execute`). */
const REFUND_STREAM_MAX_RETRIES = 50;

export type RefundStep = CommandStep<RefundEvent, ChargeRefundsState>;

export interface RefundCommandOptions {
  /** The merchant the command acts for (another merchant's charge does not exist for them); null for the system. */
  merchantId: string | null;
  metadata: EventMetadata;
  /** Read the stream rather than start from the snapshot this process last saw of it (see `execute`). */
  fresh?: boolean;
}

/**
 * Charges' refund streams on the shared command loop: one command at a time per stream in this process
 * (StreamCommandQueue: a hot charge refunded by many clients at once queues instead of racing), each decided on the
 * snapshot this process last saw of the stream (StreamSnapshotCache: no read of a stream it wrote last), the timers
 * new events start written in the transaction that appends them, and the refund calls made through the provider
 * step.
 */
@Injectable()
export class RefundRepository {
  private readonly queue = new StreamCommandQueue();
  private readonly snapshots = new StreamSnapshotCache<ChargeRefundsState>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly timers: PostgresTimerStore,
    private readonly providerCalls: RefundProviderCalls,
  ) {}

  load(chargeId: string): Promise<StreamSnapshot<ChargeRefundsState>> {
    return loadStream(this.store, refundStreamId(chargeId), chargeRefundsDecider);
  }

  /** A charge's refunds and chargebacks as the merchant may see them; another merchant's do not exist for them. */
  async loadOwned(chargeId: string, merchantId: string): Promise<ChargeRefundsState> {
    const { state } = await this.load(chargeId);
    if (state.merchantId !== null && state.merchantId !== merchantId) throw new PaymentChargeNotFound();
    return state;
  }

  /**
   * Decides the command on the stream as this process last saw it, unless `fresh`: a stale snapshot (another replica
   * wrote since) fails the append's version check and the loop reads the stream and decides again, so nothing is
   * ever appended on a stale state; a decision to append nothing made on the snapshot is made again on a read. A
   * refusal can still come from a stale snapshot (a failed refund it does not know of yet): callers that answer with
   * a refusal ask again with `fresh` first (`decideFresh` in the use cases).
   */
  execute(chargeId: string, command: RefundCommand, options: RefundCommandOptions): Promise<RefundStep> {
    const streamId = refundStreamId(chargeId);
    return this.queue.run(streamId, async () => {
      if (options.fresh) this.snapshots.delete(streamId);
      const decide = (known: StreamSnapshot<ChargeRefundsState> | undefined) =>
        handleCommand(this.store, streamId, chargeRefundsDecider, command, {
          now: () => this.clock.now(),
          metadata: options.metadata,
          known,
          // One charge's refunds are one stream, and every replica's per-stream queue sends one command at a time: a
          // lost race means another replica appended, and each retry reads that append. Five retries were too few
          // for a hot charge behind several replicas (409 concurrent_modification where the rule should answer).
          maxRetries: REFUND_STREAM_MAX_RETRIES,
          guard: (state) => {
            if (options.merchantId !== null && state.merchantId !== null && state.merchantId !== options.merchantId) {
              throw new PaymentChargeNotFound();
            }
          },
          ...this.timersWithEvents(chargeId),
          outsideCalls: this.providerCalls,
        });
      try {
        const cached = this.snapshots.get(streamId);
        let step = await decide(cached);
        // Deciding nothing appends nothing, so no version check told a stale snapshot apart: decide it again on the
        // stream as it is (an outcome for a refund another replica took, a retried request's current state).
        if (cached && step.newEvents.length === 0 && step.version === cached.version) step = await decide(undefined);
        this.snapshots.set(streamId, step);
        return step;
      } catch (error) {
        // What the stream is now is unknown (a concurrent write, or an answer that was not recorded): read it next time.
        this.snapshots.delete(streamId);
        throw error;
      }
    });
  }

  /**
   * Makes the refund calls a charge's stream has left unanswered (a crash or a failed call), with their first keys;
   * a call that fails again is asked again after PROVIDER_RETRY_AFTER_MS.
   */
  retryProviderCalls(chargeId: string, metadata: EventMetadata): Promise<RefundStep> {
    const streamId = refundStreamId(chargeId);
    return this.queue.run(streamId, async () => {
      this.snapshots.delete(streamId);
      const step = await runPendingCalls(this.store, streamId, chargeRefundsDecider, this.providerCalls, {
        now: () => this.clock.now(),
        metadata,
        ...this.timersWithEvents(chargeId),
      });
      this.snapshots.set(streamId, step);
      if (pendingRefundCalls(step.state).length > 0) {
        const dueAt = new Date(this.clock.now().getTime() + PROVIDER_RETRY_AFTER_MS).toISOString();
        await this.schedule(chargeId, [{ kind: 'provider_retry', dueAt }]);
      }
      return step;
    });
  }

  /**
   * Writes a charge's refund timers; one already set keeps the earlier due time (several delayed refunds of one
   * charge share its check timer, which must come at the first one's time).
   */
  schedule(chargeId: string, timers: RefundTimer[], session?: PoolClient): Promise<void> {
    return this.timers.schedule(refundTimers(chargeId, timers), { mode: 'earliest', session });
  }

  /** A step that starts timers writes them and its events in one transaction; any other appends alone. */
  private readonly timersWithEvents = (chargeId: string) => ({
    beforeAppend: (step: RefundStep, session?: unknown) =>
      this.schedule(chargeId, timersOf(step.newEvents), session as PoolClient | undefined),
    beforeAppendInTransaction: {
      unitOfWork: <T>(work: (session: PoolClient) => Promise<T>) => inTransaction(this.pool, work),
      when: (step: RefundStep) => timersOf(step.newEvents).length > 0,
    },
  });
}
