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

  handleBatch = async (events: EventEnvelope[], session: PoolClient): Promise<void> => {
    const requested = events.filter((e) => e.type === 'AgreementChargeRequested');
    if (requested.length === 0) return;
    const chargeIdOf = (e: EventEnvelope) => (e.data as AgreementChargeRequested['data']).chargeId;
    // Usually the synchronous call made them already: one indexed lookup in the shared log says which.
    // One index probe per charge (LIMIT keeps the planner from turning it into a scan of the whole log).
    const { rows } = await session.query<{ stream_id: string }>({
      name: 'agreements_charges_made',
      text: `SELECT c.stream_id FROM unnest($1::text[]) AS c(stream_id)
              CROSS JOIN LATERAL (SELECT 1 FROM events WHERE events.stream_id = c.stream_id LIMIT 1) AS made`,
      values: [requested.map((e) => `charge:${chargeIdOf(e)}`)],
    });
    const made = new Set(rows.map((r) => r.stream_id));
    for (const event of requested) {
      const chargeId = chargeIdOf(event);
      if (made.has(`charge:${chargeId}`)) continue;
      const agreement = await this.agreements.load(event.streamId.slice('agreement:'.length));
      const charge = agreement.charges.find((c) => c.chargeId === chargeId);
      if (!charge) continue;
      await this.charges.createCharge(agreement, charge, event.metadata.correlationId ?? event.eventId);
    }
  };
}
