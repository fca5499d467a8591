import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { parseAgreementEvent } from '@payment-ledger/contracts';
import { type EventEnvelope } from '@payment-ledger/messaging';
import { AgreementRepository } from '../application/agreement-repository';
import { ChargesGateway } from '../application/charges.gateway';

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

  handleBatch = async (events: EventEnvelope[], session: PoolClient): Promise<void> => {
    const requested: { envelope: EventEnvelope; chargeId: string }[] = [];
    for (const envelope of events) {
      const event = parseAgreementEvent(envelope);
      if (event?.type === 'AgreementChargeRequested') requested.push({ envelope, chargeId: event.data.chargeId });
    }
    if (requested.length === 0) return;
    // Usually the synchronous call made them already: one indexed lookup in the shared log says which.
    // One index probe per charge (LIMIT keeps the planner from turning it into a scan of the whole log).
    const { rows } = await session.query<{ stream_id: string }>({
      name: 'agreements_charges_made',
      text: `SELECT c.stream_id FROM unnest($1::text[]) AS c(stream_id)
              CROSS JOIN LATERAL (SELECT 1 FROM events WHERE events.stream_id = c.stream_id LIMIT 1) AS made`,
      values: [requested.map((r) => `charge:${r.chargeId}`)],
    });
    const made = new Set(rows.map((r) => r.stream_id));
    for (const { envelope, chargeId } of requested) {
      if (made.has(`charge:${chargeId}`)) continue;
      const agreement = await this.agreements.load(envelope.streamId.slice('agreement:'.length));
      const charge = agreement.charges.find((c) => c.chargeId === chargeId);
      if (!charge) continue;
      await this.charges.createCharge(agreement, charge, envelope.metadata.correlationId ?? envelope.eventId);
    }
  };
}
