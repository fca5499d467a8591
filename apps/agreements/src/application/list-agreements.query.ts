import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { AgreementList, ListAgreementsMessage } from '@payment-ledger/contracts';
import { listPage } from '@payment-ledger/platform';
import { AgreementListViewEntity } from '../infrastructure/agreement-list-view.entity';
import { toPaymentAgreementResource } from '@payment-ledger/contracts';

/**
 * Lists a merchant's agreements, newest first, from the `agreement_list_view` read model (cursor pagination),
 * through the entity's repository (the tenant a required argument: see listPage).
 */
@Injectable()
export class ListAgreementsQuery {
  constructor(@InjectRepository(AgreementListViewEntity) private readonly rows: Repository<AgreementListViewEntity>) {}

  async handle(message: ListAgreementsMessage): Promise<AgreementList> {
    const { states, hasMore } = await listPage(this.rows, {
      idProperty: 'agreementId',
      tenant: { property: 'merchantId', id: message.merchantId },
      where: {
        status: message.status,
        merchantPaymentAgreementReference: message.merchantPaymentAgreementReference,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    const data = states.map(toPaymentAgreementResource);
    return { data, hasMore, nextCursor: hasMore ? data[data.length - 1].id : null };
  }
}
