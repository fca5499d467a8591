import { Inject, Injectable } from '@nestjs/common';
import { type EventMetadata, type EventStore, handleCommand, loadStream } from '@payment-ledger/event-store';
import { EVENT_STORE } from '@payment-ledger/messaging';
import { CLOCK, type Clock } from '@payment-ledger/platform';
import type { AgreementCommand } from '../domain/agreement-commands';
import { agreementDecider, agreementStreamId, type ExistingAgreement, exists } from '../domain/agreement.decider';
import { PaymentAgreementNotFound } from '../domain/agreement-errors';
import type { AgreementEvent } from '@payment-ledger/contracts';

/** Loads agreements from their streams and runs commands through the shared decider loop. */
@Injectable()
export class AgreementRepository {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async load(agreementId: string): Promise<ExistingAgreement> {
    const { state } = await loadStream(this.store, agreementStreamId(agreementId), agreementDecider);
    if (!exists(state)) throw new PaymentAgreementNotFound();
    return state;
  }

  /** Another merchant's agreement does not exist for them; nor does any agreement for no merchant. */
  async loadOwned(agreementId: string, merchantId: string): Promise<ExistingAgreement> {
    if (!merchantId) throw new PaymentAgreementNotFound();
    const state = await this.load(agreementId);
    if (state.merchant.id !== merchantId) throw new PaymentAgreementNotFound();
    return state;
  }

  async execute(
    agreementId: string,
    command: AgreementCommand,
    metadata: EventMetadata,
  ): Promise<{ state: ExistingAgreement; newEvents: AgreementEvent[] }> {
    const result = await handleCommand(this.store, agreementStreamId(agreementId), agreementDecider, command, {
      now: () => this.clock.now(),
      metadata,
    });
    if (!exists(result.state)) throw new PaymentAgreementNotFound();
    return { state: result.state, newEvents: result.newEvents };
  }
}
