import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

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

/** A void takes no parameters: it releases everything authorized and not captured. */
export class VoidPaymentChargeDto {}
