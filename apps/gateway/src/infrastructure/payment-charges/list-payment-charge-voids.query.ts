import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../http/page-query';
import { ID_PATTERNS } from '@payment-ledger/contracts';

/** `GET /v1/payment-charges/{id}/voids`: a page of the charge's voids, in the order they were asked for. */
export class ListPaymentChargeVoidsQuery extends PageQuery {
  @ApiPropertyOptional({
    pattern: ID_PATTERNS.void,
    description: 'Cursor: the nextCursor of the previous page (a void id)',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.void), { message: 'startingAfter must be a void id' })
  startingAfter?: string;
}
