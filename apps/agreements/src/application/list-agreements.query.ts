import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AgreementList, ListAgreementsMessage } from '@payment-ledger/contracts';
import { PG_POOL } from '@payment-ledger/platform';
import type { ExistingAgreement } from '../domain/agreement.decider';
import { toPaymentAgreementResource } from '../domain/agreement-resource';

/** Lists a merchant's agreements, newest first, from the `agreement_list_view` read model (cursor pagination). */
@Injectable()
export class ListAgreementsQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async handle(message: ListAgreementsMessage): Promise<AgreementList> {
    const conditions = ['merchant_id = $1'];
    const params: unknown[] = [message.merchantId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (message.status) add('status = ?', message.status);
    if (message.merchantPaymentAgreementReference) {
      add('merchant_payment_agreement_reference = ?', message.merchantPaymentAgreementReference);
    }
    if (message.startingAfter) add('agreement_id < ?', message.startingAfter);
    params.push(message.limit + 1);
    const { rows } = await this.pool.query<{ state: ExistingAgreement }>(
      `SELECT state FROM agreement_list_view WHERE ${conditions.join(' AND ')}
       ORDER BY agreement_id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, message.limit).map((r) => toPaymentAgreementResource(r.state));
    const hasMore = rows.length > message.limit;
    return { data: page, hasMore, nextCursor: hasMore ? page[page.length - 1].id : null };
  }
}
