import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type ChargeList,
  type ListChargesMessage,
  listConsistencyWaitMs,
  toPaymentChargeResource,
} from '@payment-ledger/contracts';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { listPage } from '@payment-ledger/platform';
import { CHARGE_LIST_PROJECTION } from '../infrastructure/charge-list.projection';
import { ChargeListViewEntity } from '../infrastructure/charge-list-view.entity';

/**
 * Lists a merchant's charges, newest first, from the `charge_list_view` read model (cursor pagination),
 * through the entity's repository (the tenant a required argument: see listPage).
 *
 * Read-your-writes: first the view is brought up to every charge event committed before the request, waiting up to
 * the message's `consistencyWaitMs` (the gateway sends GATEWAY_LIST_WAIT_MS; capped at 5 s), so a list asked right
 * after a create shows the charge; past the bound it answers from the view as it is (see
 * ProjectionRunner.catchUpWithCommitted).
 */
@Injectable()
export class ListChargesQuery {
  constructor(
    @InjectRepository(ChargeListViewEntity) private readonly rows: Repository<ChargeListViewEntity>,
    private readonly projections: ProjectionRunners,
  ) {}

  async handle(message: ListChargesMessage): Promise<ChargeList> {
    await this.projections.catchUpWithCommitted(CHARGE_LIST_PROJECTION, listConsistencyWaitMs(message));
    const { states, hasMore } = await listPage(this.rows, {
      idProperty: 'chargeId',
      tenant: { property: 'merchantId', id: message.merchantId },
      where: {
        status: message.status,
        merchantPaymentChargeReference: message.merchantPaymentChargeReference,
        agreementId: message.agreementId,
      },
      limit: message.limit,
      startingAfter: message.startingAfter,
    });
    const data = states.map(toPaymentChargeResource);
    return { data, hasMore, nextCursor: hasMore ? data[data.length - 1].id : null };
  }
}
