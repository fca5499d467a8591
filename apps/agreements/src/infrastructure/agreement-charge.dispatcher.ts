import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { type EventEnvelope } from '@payment-ledger/messaging';
import { AgreementRepository } from '../application/agreement-repository';
import { ChargesGateway } from '../application/charges.gateway';
import type { AgreementChargeRequested } from '../domain/agreement-events';

/**
 * Makes sure every recorded `AgreementChargeRequested` becomes a charge, even when the synchronous call that
 * followed it was lost (crash, timeout): it asks the charges service again, which is idempotent by charge id.
 */
@Injectable()
export class AgreementChargeDispatcher {
  constructor(
    private readonly agreements: AgreementRepository,
    private readonly charges: ChargesGateway,
  ) {}

  handle = async (event: EventEnvelope, session: PoolClient): Promise<void> => {
    if (event.type !== 'AgreementChargeRequested') return;
    const { chargeId } = event.data as AgreementChargeRequested['data'];
    // Usually the synchronous call made it already: one indexed lookup in the shared log says so.
    const made = await session.query('SELECT 1 FROM events WHERE stream_id = $1 LIMIT 1', [`charge:${chargeId}`]);
    if (made.rowCount) return;
    const agreement = await this.agreements.load(event.streamId.slice('agreement:'.length));
    const charge = agreement.charges.find((c) => c.chargeId === chargeId);
    if (!charge) return;
    await this.charges.createCharge(agreement, charge, event.metadata.correlationId ?? event.eventId);
  };
}
