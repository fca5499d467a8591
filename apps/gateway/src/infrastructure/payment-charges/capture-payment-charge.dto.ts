import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class CapturePaymentChargeDto {
  @ApiPropertyOptional({
    description: 'Minor units to capture; omit to capture everything still authorized',
    example: 600,
  })
  @IsOptional()
  @IsInt({ message: 'amount must be an integer number of minor units' })
  @Min(1, { message: 'amount must be positive' })
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;
}

/** A void releases everything authorized and not captured; it takes only an optional note. */
export class VoidPaymentChargeDto {
  @ApiPropertyOptional({
    description: 'Why the authorization is released (kept for your records)',
    example: 'order canceled',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}
