import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  type GetRefundMessage,
  type ListChargeRefundsMessage,
  type RefundList,
  type RefundResource,
  toRefundResource,
} from '@payment-ledger/contracts';
import { ProjectionRunners } from '@payment-ledger/messaging';
import { RefundNotFound, RefundRequestRejected } from '../domain/refund-errors';
import { REFUND_LIST_PROJECTION } from '../infrastructure/refund-list.projection';
import { RefundListViewEntity } from '../infrastructure/refund-list-view.entity';
import type { ChargeRefundsState } from '../domain/charge-refunds.decider';
import { RefundableChargeReader } from './refundable-charge.reader';
import { RefundRepository } from './refund-repository';

/** How long a lookup by refund id waits for the list view to catch up with the log before it answers 404. */
const LOOKUP_CONSISTENCY_WAIT_MS = 2_000;

/**
 * Reads refunds. Under a charge (`/v1/payment-charges/{id}/refunds…`) from the charge's refund stream: always the
 * last write. By refund id alone, the view names the refund's charge (caught up with the log first when it does not
 * know the id yet, so a refund just made is found), and the stream answers.
 */
@Injectable()
export class GetRefundQuery {
  constructor(
    private readonly refunds: RefundRepository,
    @InjectRepository(RefundListViewEntity) private readonly rows: Repository<RefundListViewEntity>,
    private readonly projections: ProjectionRunners,
    private readonly charges: RefundableChargeReader,
  ) {}

  async refund(message: GetRefundMessage): Promise<RefundResource> {
    const chargeId = message.chargeId ?? (await this.chargeOf(message.refundId, message.merchantId));
    const state = await this.ownedRefunds(chargeId, message.merchantId);
    const refund = state.refunds.find((r) => r.id === message.refundId);
    if (!refund || state.merchantId !== message.merchantId) throw new RefundNotFound();
    return toRefundResource(refund);
  }

  /** A page of the charge's refunds, in the order they were asked for. */
  async ofCharge(message: ListChargeRefundsMessage): Promise<RefundList> {
    const refunds = (await this.ownedRefunds(message.chargeId, message.merchantId)).refunds;
    let start = 0;
    if (message.startingAfter !== undefined) {
      start = refunds.findIndex((r) => r.id === message.startingAfter) + 1;
      if (start === 0) {
        throw new RefundRequestRejected(
          'invalid_field',
          'startingAfter is not a refund of this payment charge',
          'startingAfter',
        );
      }
    }
    const page = refunds.slice(start, start + message.limit);
    const hasMore = start + message.limit < refunds.length;
    return { data: page.map(toRefundResource), hasMore, nextCursor: hasMore ? page[page.length - 1].id : null };
  }

  /**
   * The charge's refund stream, for its merchant only; a charge with none yet must still be theirs (and exist): its
   * list is then empty, and another merchant's charge is 404 as everywhere.
   */
  private async ownedRefunds(chargeId: string, merchantId: string): Promise<ChargeRefundsState> {
    const state = await this.refunds.loadOwned(chargeId, merchantId);
    if (state.merchantId === null) await this.charges.read(chargeId, merchantId);
    return state;
  }

  private async chargeOf(refundId: string, merchantId: string): Promise<string> {
    const find = () => this.rows.findOne({ select: { chargeId: true }, where: { refundId, merchantId } });
    let row = await find();
    if (!row) {
      await this.projections.catchUpWithCommitted(REFUND_LIST_PROJECTION, LOOKUP_CONSISTENCY_WAIT_MS);
      row = await find();
    }
    if (!row) throw new RefundNotFound();
    return row.chargeId;
  }
}
