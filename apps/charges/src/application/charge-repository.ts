import { Inject, Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import type { EventMetadata, EventStore, CommandStep, StreamSnapshot } from '@payment-ledger/event-store';
import { handleCommand, inTransaction, loadStream, runPendingCalls } from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { CLOCK, type Clock, PG_POOL } from '@payment-ledger/platform';
import { PostgresTimerStore } from '@payment-ledger/timers';
import type { ChargeEvent } from '@payment-ledger/contracts';
import type { ChargeCommand } from '../domain/charge-commands';
import { chargeDecider, chargeStreamId, type ChargeState, type ExistingCharge, exists } from '../domain/charge.decider';
import { commandDeadlines, PROVIDER_RETRY_AFTER_MS } from '../domain/charge-deadlines';
import { PaymentChargeNotFound } from '../domain/charge-errors';
import { pendingProviderCalls } from '../domain/charge-provider-calls';
import { chargeDeadlineTimers } from './charge-deadline.timers';
import { ChargeProviderCalls } from './charge-provider-calls';

export type ChargeStep = CommandStep<ChargeEvent, ChargeState>;

export interface ChargeCommandOptions {
  /** The merchant the command acts for (another merchant's charge does not exist for them); null for the system. */
  merchantId: string | null;
  metadata: EventMetadata;
  /** Each new event's own metadata over `metadata`, by the new events (see handleCommand's `eventMetadata`). */
  eventMetadata?: (newEvents: ChargeEvent[]) => Array<EventMetadata | undefined>;
  /** The command creates the charge: no read first (the stream must be new); a repeat finds the charge as it is. */
  creates?: boolean;
  /** The charge as the caller just read it, used instead of a first read. */
  known?: StreamSnapshot<ChargeState>;
}

/**
 * Charges on the shared command loop: their streams, the timers their new events start (written with the events),
 * and the provider calls they record as intents (ChargeProviderCalls, made and answered by the loop).
 */
@Injectable()
export class ChargeRepository {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly timers: PostgresTimerStore,
    private readonly providerCalls: ChargeProviderCalls,
  ) {}

  /**
   * The timers a step's new events start, written in the transaction that appends them (see handleCommand's
   * beforeAppendInTransaction); a step that starts none (most) appends alone.
   */
  private readonly timersWithEvents = (chargeId: string) => ({
    beforeAppend: (step: ChargeStep, session?: unknown) =>
      this.timers.schedule(chargeDeadlineTimers(chargeId, commandDeadlines(step.newEvents, step.state)), {
        session: session as PoolClient | undefined,
      }),
    beforeAppendInTransaction: {
      unitOfWork: <T>(work: (session: PoolClient) => Promise<T>) => inTransaction(this.pool, work),
      when: (step: ChargeStep) => commandDeadlines(step.newEvents, step.state).length > 0,
    },
  });

  /** Reads and folds a charge; from a snapshot of it, only the events after the snapshot's version. */
  load(chargeId: string, from?: StreamSnapshot<ChargeState>): Promise<StreamSnapshot<ChargeState>> {
    return loadStream(this.store, chargeStreamId(chargeId), chargeDecider, undefined, from);
  }

  /** Loads a charge the merchant owns; another merchant's charge does not exist for them. */
  async loadOwned(chargeId: string, merchantId: string): Promise<StreamSnapshot<ExistingCharge>> {
    const loaded = await this.load(chargeId);
    if (!exists(loaded.state) || loaded.state.merchant.id !== merchantId) throw new PaymentChargeNotFound();
    return loaded as StreamSnapshot<ExistingCharge>;
  }

  async execute(chargeId: string, command: ChargeCommand, options: ChargeCommandOptions): Promise<ChargeStep> {
    const { merchantId, creates = false } = options;
    return handleCommand(this.store, chargeStreamId(chargeId), chargeDecider, command, {
      now: () => this.clock.now(),
      metadata: options.metadata,
      eventMetadata: options.eventMetadata,
      known: options.known ?? (creates ? { state: chargeDecider.initialState, version: 0 } : undefined),
      guard: (state) => {
        if (!exists(state)) {
          if (!creates) throw new PaymentChargeNotFound();
        } else if (merchantId !== null && state.merchant.id !== merchantId) {
          throw new PaymentChargeNotFound();
        }
      },
      ...this.timersWithEvents(chargeId),
      outsideCalls: this.providerCalls,
    });
  }

  /**
   * Makes the provider calls a charge has left unanswered (a crash or a failed call), with their first keys; a call
   * that fails again is asked again after PROVIDER_RETRY_AFTER_MS.
   */
  async retryProviderCalls(chargeId: string, metadata: EventMetadata): Promise<ChargeStep> {
    const step = await runPendingCalls(this.store, chargeStreamId(chargeId), chargeDecider, this.providerCalls, {
      now: () => this.clock.now(),
      metadata,
      ...this.timersWithEvents(chargeId),
    });
    if (pendingProviderCalls(step.state).length > 0) {
      const dueAt = new Date(this.clock.now().getTime() + PROVIDER_RETRY_AFTER_MS).toISOString();
      await this.timers.schedule(chargeDeadlineTimers(chargeId, [{ kind: 'provider_retry', dueAt }]));
    }
    return step;
  }
}
