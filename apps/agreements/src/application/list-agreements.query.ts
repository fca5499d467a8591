import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type AgreementList,
  type ListAgreementsMessage,
  listConsistencyWaitMs,
  toPaymentAgreementResource,
} from '@payment-ledger/contracts';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { listPage } from '@payment-ledger/platform';
import { AGREEMENT_LIST_PROJECTION } from '../infrastructure/agreement-list.projection';
import { AgreementListViewEntity } from '../infrastructure/agreement-list-view.entity';

/**
 * Lists a merchant's agreements, newest first, from the `agreement_list_view` read model (cursor pagination),
 * through the entity's repository (the tenant a required argument: see listPage).
 *
 * Read-your-writes: first the view is brought up to every agreement event committed before the request, waiting up
 * to the message's `consistencyWaitMs` (the gateway sends GATEWAY_LIST_WAIT_MS; capped at 5 s), so a list asked right
 * after a create shows the agreement; past the bound it answers from the view as it is (see
 * ProjectionRunner.catchUpWithCommitted).
 */
@Injectable()
export class ListAgreementsQuery {
  constructor(
    @InjectRepository(AgreementListViewEntity) private readonly rows: Repository<AgreementListViewEntity>,
    private readonly projections: ProjectionRunners,
  ) {}

  async handle(message: ListAgreementsMessage): Promise<AgreementList> {
    await this.projections.catchUpWithCommitted(AGREEMENT_LIST_PROJECTION, listConsistencyWaitMs(message));
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
