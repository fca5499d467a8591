import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type ListRefundsMessage,
  listConsistencyWaitMs,
  type RefundList,
  toRefundResource,
} from '@payment-ledger/contracts';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { listPage } from '@payment-ledger/platform';
import { REFUND_LIST_PROJECTION } from '../infrastructure/refund-list.projection';
import { RefundListViewEntity } from '../infrastructure/refund-list-view.entity';

/**
 * Lists a merchant's refunds, newest first, from the `refund_list_view` read model (cursor pagination), filtered by
 * status, charge and creation time: what finance reconciles against. Read-your-writes as the charges list: the view
 * is first brought up to every refund event committed before the request (bounded wait).
 */
@Injectable()
export class ListRefundsQuery {
  constructor(
    @InjectRepository(RefundListViewEntity) private readonly rows: Repository<RefundListViewEntity>,
    private readonly projections: ProjectionRunners,
  ) {}

  async handle(message: ListRefundsMessage): Promise<RefundList> {
    await this.projections.catchUpWithCommitted(REFUND_LIST_PROJECTION, listConsistencyWaitMs(message));
    const { states, hasMore } = await listPage(this.rows, {
      idProperty: 'refundId',
      tenant: { property: 'merchantId', id: message.merchantId },
      where: { status: message.status, chargeId: message.chargeId },
      range: {
        property: 'createdAt',
        from: message.createdFrom ? new Date(message.createdFrom) : undefined,
        to: message.createdTo ? new Date(message.createdTo) : undefined,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    const data = states.map(toRefundResource);
    return { data, hasMore, nextCursor: hasMore ? data[data.length - 1].id : null };
  }
}
