import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { ChargeList, ListChargesMessage } from '@payment-ledger/contracts';
import { listPage } from '@payment-ledger/platform';
import { ChargeListViewEntity } from '../infrastructure/charge-list-view.entity';
import { toPaymentChargeResource } from '@payment-ledger/contracts';

/**
 * Lists a merchant's charges, newest first, from the `charge_list_view` read model (cursor pagination),
 * through the entity's repository (the tenant a required argument: see listPage).
 */
@Injectable()
export class ListChargesQuery {
  constructor(@InjectRepository(ChargeListViewEntity) private readonly rows: Repository<ChargeListViewEntity>) {}

  async handle(message: ListChargesMessage): Promise<ChargeList> {
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
