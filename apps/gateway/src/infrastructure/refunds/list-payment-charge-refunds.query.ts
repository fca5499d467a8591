import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ID_PATTERNS } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

/** `GET /v1/payment-charges/{id}/refunds`: a page of the charge's refunds, in the order they were asked for. */
export class ListPaymentChargeRefundsQuery extends PageQuery {
  @ApiPropertyOptional({
    pattern: ID_PATTERNS.refund,
    description: 'Cursor: the nextCursor of the previous page (a refund id)',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.refund), { message: 'startingAfter must be a refund id' })
  startingAfter?: string;
}
