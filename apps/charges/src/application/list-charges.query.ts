import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ChargeList, ListChargesMessage } from '@payment-ledger/contracts';
import { PG_POOL } from '@payment-ledger/platform';
import type { ExistingCharge } from '../domain/charge.decider';
import { toPaymentChargeResource } from '../domain/charge-resource';

/** Lists a merchant's charges, newest first, from the `charge_list_view` read model (cursor pagination). */
@Injectable()
export class ListChargesQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async handle(message: ListChargesMessage): Promise<ChargeList> {
    const conditions = ['merchant_id = $1'];
    const params: unknown[] = [message.merchantId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (message.status) add('status = ?', message.status);
    if (message.merchantPaymentChargeReference) {
      add('merchant_payment_charge_reference = ?', message.merchantPaymentChargeReference);
    }
    if (message.agreementId) add('agreement_id = ?', message.agreementId);
    if (message.startingAfter) add('charge_id < ?', message.startingAfter);
    params.push(message.limit + 1);
    const { rows } = await this.pool.query<{ state: ExistingCharge }>(
      `SELECT state FROM charge_list_view WHERE ${conditions.join(' AND ')}
       ORDER BY charge_id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, message.limit).map((r) => toPaymentChargeResource(r.state));
    const hasMore = rows.length > message.limit;
    return { data: page, hasMore, nextCursor: hasMore ? page[page.length - 1].id : null };
  }
}
