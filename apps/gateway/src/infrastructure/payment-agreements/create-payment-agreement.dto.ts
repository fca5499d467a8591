import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { AMOUNT_TYPES, type AmountType, FREQUENCY_TYPES, type FrequencyType } from '@payment-ledger/contracts';
import {
  AmountDto,
  AuthenticationSettingDto,
  ConsumerDto,
  SandboxOptionsDto,
} from '../payment-charges/create-payment-charge.dto';

export class FrequencyDto {
  @ApiProperty({ enum: FREQUENCY_TYPES, example: 'MONTHLY' })
  @IsDefined()
  @IsIn(FREQUENCY_TYPES)
  type!: FrequencyType;

  @ApiProperty({ minimum: 1, maximum: 366, example: 1 })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(366)
  interval!: number;
}

export class InitialPaymentChargeDto {
  @ApiProperty({ type: AmountDto })
  @IsDefined()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => AmountDto)
  amount!: AmountDto;
}

export class CreatePaymentAgreementDto {
  @ApiProperty({ enum: ['AMAZON_PAY'], example: 'AMAZON_PAY' })
  @IsDefined()
  @IsIn(['AMAZON_PAY'], {
    message: 'paymentMethod must be AMAZON_PAY',
    context: { code: 'payment_method_not_supported' },
  })
  paymentMethod!: 'AMAZON_PAY';

  @ApiProperty({
    description: 'From when the agreement is valid (ISO 8601 date-time)',
    example: '2025-03-26T20:24:27Z',
  })
  @IsDefined()
  @IsISO8601({ strict: true }, { context: { code: 'invalid_start_date' } })
  startDate!: string;

  @ApiPropertyOptional({ description: 'Until when (ISO 8601 date-time)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { context: { code: 'invalid_end_date' } })
  endDate?: string;

  @ApiProperty({ type: ConsumerDto })
  @IsDefined()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => ConsumerDto)
  consumer!: ConsumerDto;

  @ApiProperty({
    type: [AuthenticationSettingDto],
    example: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
  })
  @IsDefined()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsObject({ each: true, context: { code: 'invalid_field' } })
  @ValidateNested({ each: true })
  @Type(() => AuthenticationSettingDto)
  authenticationSettings!: AuthenticationSettingDto[];

  @ApiPropertyOptional({
    type: InitialPaymentChargeDto,
    description: 'Charge this amount as soon as the consumer consents',
  })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => InitialPaymentChargeDto)
  initialPaymentCharge?: InitialPaymentChargeDto;

  @ApiPropertyOptional({ example: 'Monthly subscription, Pro plan' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ type: FrequencyDto, description: 'Bill on this schedule (the scheduler charges each period)' })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => FrequencyDto)
  frequency?: FrequencyDto;

  @ApiPropertyOptional({ type: AmountDto, description: 'The agreed amount (see amountType)' })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => AmountDto)
  amount?: AmountDto;

  @ApiPropertyOptional({ enum: AMOUNT_TYPES, description: 'Default EXACT with an amount, VARIABLE without' })
  @IsOptional()
  @IsIn(AMOUNT_TYPES)
  amountType?: AmountType;

  @ApiPropertyOptional({ example: 'subscription-42' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  merchantPaymentAgreementReference?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  webhooksUrl?: string;

  @ApiPropertyOptional({ type: SandboxOptionsDto })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => SandboxOptionsDto)
  sandbox?: SandboxOptionsDto;
}

export class ChargePaymentAgreementDto {
  @ApiPropertyOptional({
    type: AmountDto,
    description: 'Required for VARIABLE agreements; defaults to the agreed amount',
  })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => AmountDto)
  amount?: AmountDto;

  @ApiPropertyOptional({ example: 'ride-2025-02-19-1' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  merchantPaymentChargeReference?: string;

  @ApiPropertyOptional({ type: SandboxOptionsDto })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => SandboxOptionsDto)
  sandbox?: SandboxOptionsDto;
}

export class RevokePaymentAgreementDto {
  @ApiPropertyOptional({ description: 'Why the merchant revokes (kept for your records)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class AdvanceTestClockDto {
  @ApiProperty({
    description: "How far to move this agreement's schedule forward, in seconds (up to 10 years)",
    example: 2678400,
  })
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(10 * 366 * 24 * 3600)
  seconds!: number;
}
