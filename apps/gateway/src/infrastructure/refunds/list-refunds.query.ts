import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, Matches } from 'class-validator';
import { ID_PATTERNS, REFUND_STATUSES, type RefundStatus } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

const ISO_8601 = 'ISO 8601 date-time with a time zone, such as 2025-03-26T20:24:27Z';
/** A date and a time with its zone (an instant): a bare date or local time would depend on where it is read. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

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

  @ApiPropertyOptional({ format: 'date-time', description: 'Only refunds asked for at or after this instant' })
  @IsOptional()
  @Matches(INSTANT, { message: `createdFrom must be an ${ISO_8601}` })
  @IsISO8601({ strict: true }, { message: `createdFrom must be an ${ISO_8601}` })
  createdFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only refunds asked for before this instant' })
  @IsOptional()
  @Matches(INSTANT, { message: `createdTo must be an ${ISO_8601}` })
  @IsISO8601({ strict: true }, { message: `createdTo must be an ${ISO_8601}` })
  createdTo?: string;
}
