import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { PageQuery } from '../http/page-query';
import { ID_PATTERNS } from '@payment-ledger/contracts';

/** `GET /v1/payment-charges/{id}/captures`: a page of the charge's captures, in the order they were asked for. */
export class ListPaymentChargeCapturesQuery extends PageQuery {
  @ApiPropertyOptional({
    pattern: ID_PATTERNS.capture,
    description: 'Cursor: the nextCursor of the previous page (a capture id)',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.capture), { message: 'startingAfter must be a capture id' })
  startingAfter?: string;
}
