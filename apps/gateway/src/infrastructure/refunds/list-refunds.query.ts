import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { ID_PATTERNS, REFUND_STATUSES, type RefundStatus } from '@payment-ledger/contracts';
import { InstantQueryParam } from '../http/instant-query';
import { PageQuery } from '../http/page-query';

/** `GET /v1/refunds`: the merchant's refunds, newest first (finance's view), filtered by status, charge and time. */
export class ListRefundsQuery extends PageQuery {
  @ApiPropertyOptional({
    pattern: ID_PATTERNS.refund,
    description: 'Cursor: the nextCursor of the previous page (a refund id)',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.refund), { message: 'startingAfter must be a refund id' })
  startingAfter?: string;

  @ApiPropertyOptional({ enum: REFUND_STATUSES })
  @IsOptional()
  @IsIn(REFUND_STATUSES)
  status?: RefundStatus;

  @ApiPropertyOptional({ pattern: ID_PATTERNS.charge, description: "Only this payment charge's refunds" })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.charge), { message: 'paymentChargeId must be a payment charge id' })
  paymentChargeId?: string;

  @InstantQueryParam('createdFrom', 'Only refunds asked for at or after this instant')
  createdFrom?: string;

  @InstantQueryParam('createdTo', 'Only refunds asked for before this instant')
  createdTo?: string;
}
