import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ChargeList, ListChargesMessage } from '@payment-ledger/contracts';
import { listPage, PG_POOL } from '@payment-ledger/platform';
import type { ExistingCharge } from '../domain/charge.decider';
import { toPaymentChargeResource } from '@payment-ledger/contracts';

/** Lists a merchant's charges, newest first, from the `charge_list_view` read model (cursor pagination). */
@Injectable()
export class ListChargesQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async handle(message: ListChargesMessage): Promise<ChargeList> {
    const { states, hasMore } = await listPage<ExistingCharge>(this.pool, {
      table: 'charge_list_view',
      idColumn: 'charge_id',
      tenant: { column: 'merchant_id', id: message.merchantId },
      where: {
        status: message.status,
        merchant_payment_charge_reference: message.merchantPaymentChargeReference,
        agreement_id: message.agreementId,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    const data = states.map(toPaymentChargeResource);
    return { data, hasMore, nextCursor: hasMore ? data[data.length - 1].id : null };
  }
}
