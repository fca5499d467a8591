import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import {
  ConcurrencyError,
  type EventMetadata,
  type EventStore,
  fold,
  type NewEvent,
  type RecordedEvent,
} from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import type { ChargeCommand, CreateCharge, CreateMerchantInitiatedCharge } from '../domain/charge-commands';
import { chargeDecider, chargeStreamId, type ChargeState, type ExistingCharge, exists } from '../domain/charge.decider';
import { commandDeadlines } from '../domain/charge-deadlines';
import { PaymentChargeNotFound } from '../domain/charge-errors';
import { CHARGE_EVENT_SCHEMA_VERSIONS, type ChargeEvent } from '@payment-ledger/contracts';
import { ChargeDeadlineRepository } from './charge-deadline.repository';

export interface LoadedCharge {
  state: ChargeState;
  version: number;
}

export interface ExecutionResult extends LoadedCharge {
  newEvents: ChargeEvent[];
}

/** Prepares a command from the current state: may call the provider; returns null when there is nothing to do. */
export type CommandPreparer = (state: ExistingCharge, now: Date) => Promise<ChargeCommand | null>;

const MAX_RETRIES = 5;

/**
 * The command loop for charges: load the stream, fold, prepare (provider calls happen here, with our ids as
 * their idempotency keys), decide, schedule the timers the new events need, append with the expected version;
 * on a concurrency error start over. Timers are written before the events, so a crash in between leaves at
 * most a timer that fires and finds nothing to do. The creation's own timer (the redirect's expiry) is the
 * exception: ChargeDeadlineFeed reads it from the log, so a plain create is one statement.
 */
@Injectable()
export class ChargeCommandExecutor {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly deadlines: ChargeDeadlineRepository,
  ) {}

  async load(chargeId: string): Promise<LoadedCharge> {
    const recorded = await this.store.readStream(chargeStreamId(chargeId));
    return {
      state: fold(chargeDecider, recorded.map(asChargeEvent)),
      version: recorded.length === 0 ? 0 : recorded[recorded.length - 1].streamVersion,
    };
  }

  /** Loads a charge the merchant owns; another merchant's charge does not exist for them. */
  async loadOwned(chargeId: string, merchantId: string): Promise<LoadedCharge & { state: ExistingCharge }> {
    const loaded = await this.load(chargeId);
    if (!exists(loaded.state) || loaded.state.merchant.id !== merchantId) throw new PaymentChargeNotFound();
    return loaded as LoadedCharge & { state: ExistingCharge };
  }

  /** Creation needs no read: the stream must not exist. A repeated create returns the charge as it is now. */
  async create(
    command: CreateCharge | CreateMerchantInitiatedCharge,
    metadata: EventMetadata,
  ): Promise<ExecutionResult> {
    const now = this.clock.now();
    const newEvents = chargeDecider.decide(command, chargeDecider.initialState, now);
    const state = newEvents.reduce(chargeDecider.evolve, chargeDecider.initialState);
    await this.deadlines.schedule(command.chargeId, commandDeadlines(newEvents, state));
    try {
      const { nextExpectedVersion } = await this.store.append(
        chargeStreamId(command.chargeId),
        'no_stream',
        this.toNewEvents(newEvents, metadata),
      );
      return { state, version: nextExpectedVersion, newEvents };
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const existing = await this.loadOwned(command.chargeId, command.merchant.id);
      return { ...existing, newEvents: [] };
    }
  }

  async execute(
    chargeId: string,
    merchantId: string | null,
    prepare: CommandPreparer,
    metadata: EventMetadata,
  ): Promise<ExecutionResult> {
    for (let attempt = 0; ; attempt++) {
      const loaded = merchantId === null ? await this.load(chargeId) : await this.loadOwned(chargeId, merchantId);
      if (!exists(loaded.state)) throw new PaymentChargeNotFound();
      const now = this.clock.now();
      const command = await prepare(loaded.state, now);
      if (command === null) return { ...loaded, newEvents: [] };
      const newEvents = chargeDecider.decide(command, loaded.state, now);
      if (newEvents.length === 0) return { ...loaded, newEvents };
      const state = newEvents.reduce(chargeDecider.evolve, loaded.state);
      await this.deadlines.schedule(chargeId, commandDeadlines(newEvents, state));
      try {
        const { nextExpectedVersion } = await this.store.append(
          chargeStreamId(chargeId),
          loaded.version,
          this.toNewEvents(newEvents, metadata),
        );
        return { state, version: nextExpectedVersion, newEvents };
      } catch (error) {
        if (error instanceof ConcurrencyError && attempt < MAX_RETRIES) continue;
        throw error;
      }
    }
  }

  private toNewEvents(events: ChargeEvent[], metadata: EventMetadata): NewEvent[] {
    return events.map((e) => ({
      type: e.type,
      data: e.data,
      schemaVersion: CHARGE_EVENT_SCHEMA_VERSIONS[e.type],
      metadata,
    }));
  }
}

/** Every charge event type is at schema version 1; an upcaster goes here when one changes. */
export function asChargeEvent(event: Pick<RecordedEvent, 'type' | 'data'>): ChargeEvent {
  return { type: event.type, data: event.data } as ChargeEvent;
}
