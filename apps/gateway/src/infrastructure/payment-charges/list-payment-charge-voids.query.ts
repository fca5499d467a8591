import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ID_PREFIXES } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

/** `GET /v1/payment-charges/{id}/voids`: a page of the charge's voids, in the order they were asked for. */
export class ListPaymentChargeVoidsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Cursor: the nextCursor of the previous page (a void id)' })
  @IsOptional()
  @Matches(new RegExp(`^${ID_PREFIXES.void}_[0-9a-f]{32}$`), { message: 'startingAfter must be a void id' })
  startingAfter?: string;
}
