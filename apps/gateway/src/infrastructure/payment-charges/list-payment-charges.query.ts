import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CHARGE_STATUSES, type ChargeStatus } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

export class ListPaymentChargesQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Cursor: the nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^charge_[0-9a-f]{32}$/, { message: 'startingAfter must be a payment charge id' })
  startingAfter?: string;

  @ApiPropertyOptional({ enum: CHARGE_STATUSES })
  @IsOptional()
  @IsIn(CHARGE_STATUSES)
  status?: ChargeStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  merchantPaymentChargeReference?: string;

  @ApiPropertyOptional({ description: 'Only charges made under this payment agreement' })
  @IsOptional()
  @Matches(/^agr_[0-9a-f]{32}$/, { message: 'agreementId must be a payment agreement id' })
  agreementId?: string;
}
