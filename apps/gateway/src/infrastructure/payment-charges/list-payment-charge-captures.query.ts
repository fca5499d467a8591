import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { ID_PREFIXES } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

/** `GET /v1/payment-charges/{id}/captures`: a page of the charge's captures, in the order they were asked for. */
export class ListPaymentChargeCapturesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Cursor: the nextCursor of the previous page (a capture id)' })
  @IsOptional()
  @Matches(new RegExp(`^${ID_PREFIXES.capture}_[0-9a-f]{32}$`), { message: 'startingAfter must be a capture id' })
  startingAfter?: string;
}
