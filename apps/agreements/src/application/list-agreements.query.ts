import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { AgreementList, ListAgreementsMessage } from '@payment-ledger/contracts';
import { listPage, PG_POOL } from '@payment-ledger/platform';
import type { ExistingAgreement } from '../domain/agreement.decider';
import { toPaymentAgreementResource } from '@payment-ledger/contracts';

/** Lists a merchant's agreements, newest first, from the `agreement_list_view` read model (cursor pagination). */
@Injectable()
export class ListAgreementsQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async handle(message: ListAgreementsMessage): Promise<AgreementList> {
    const { states, hasMore } = await listPage<ExistingAgreement>(this.pool, {
      table: 'agreement_list_view',
      idColumn: 'agreement_id',
      tenant: { column: 'merchant_id', id: message.merchantId },
      where: {
        status: message.status,
        merchant_payment_agreement_reference: message.merchantPaymentAgreementReference,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    const data = states.map(toPaymentAgreementResource);
    return { data, hasMore, nextCursor: hasMore ? data[data.length - 1].id : null };
  }
}
