import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { AGREEMENT_STATUSES, type AgreementStatus } from '@payment-ledger/contracts';

export class ListPaymentAgreementsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

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
