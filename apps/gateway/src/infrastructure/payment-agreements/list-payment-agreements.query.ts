import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { AGREEMENT_STATUSES, type AgreementStatus } from '@payment-ledger/contracts';
import { PageQuery } from '../http/page-query';
import { ID_PATTERNS } from '@payment-ledger/contracts';

export class ListPaymentAgreementsQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: ID_PATTERNS.agreement, description: 'Cursor: the nextCursor of the previous page' })
  @IsOptional()
  @Matches(new RegExp(ID_PATTERNS.agreement), { message: 'startingAfter must be a payment agreement id' })
  startingAfter?: string;

  @ApiPropertyOptional({ enum: AGREEMENT_STATUSES })
  @IsOptional()
  @IsIn(AGREEMENT_STATUSES)
  status?: AgreementStatus;

  @ApiPropertyOptional({ maxLength: 255 })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  merchantPaymentAgreementReference?: string;
}
