import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CHARGE_STATUSES, type ChargeStatus } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';
import { ID_PATTERNS } from '@payment-ledger/contracts';

export class ListPaymentChargesQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: ID_PATTERNS.charge, description: 'Cursor: the nextCursor of the previous page' })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.charge), { message: 'startingAfter must be a payment charge id' })
  startingAfter?: string;

  @ApiPropertyOptional({ enum: CHARGE_STATUSES })
  @IsOptional()
  @IsIn(CHARGE_STATUSES)
  status?: ChargeStatus;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  merchantPaymentChargeReference?: string;

  @ApiPropertyOptional({
    pattern: ID_PATTERNS.agreement,
    description: 'Only charges made under this payment agreement',
  })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.agreement), { message: 'agreementId must be a payment agreement id' })
  agreementId?: string;
}
