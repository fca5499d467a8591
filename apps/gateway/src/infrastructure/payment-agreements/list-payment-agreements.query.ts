import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { AGREEMENT_STATUSES, type AgreementStatus } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';

export class ListPaymentAgreementsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Cursor: the nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^agr_[0-9a-f]{32}$/, { message: 'startingAfter must be a payment agreement id' })
  startingAfter?: string;

  @ApiPropertyOptional({ enum: AGREEMENT_STATUSES })
  @IsOptional()
  @IsIn(AGREEMENT_STATUSES)
  status?: AgreementStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(255)
  merchantPaymentAgreementReference?: string;
}
