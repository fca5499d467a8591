import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  Equals,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsISO31661Alpha2,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { SIMULATION_CODES, type SimulationCode } from '@payment-ledger/contracts';

export class AmountDto {
  @ApiProperty({ description: 'Amount in the smallest unit of the currency (cents for USD)', example: 1000 })
  @IsDefined()
  @IsInt({ message: 'amount.value must be an integer number of minor units' })
  @Min(1, { message: 'amount.value must be positive' })
  @Max(Number.MAX_SAFE_INTEGER)
  value!: number;

  @ApiProperty({ description: 'ISO 4217 currency code', example: 'USD' })
  @IsDefined()
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'amount.currency must be an ISO 4217 code such as USD' })
  currency!: string;
}

export class ConsumerDto {
  @ApiProperty({ description: 'Full name of the consumer', example: 'John Smith' })
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ description: 'ISO 3166-1 alpha-2 country where the consumer is shopping', example: 'US' })
  @IsDefined()
  @IsISO31661Alpha2({ message: 'consumer.country must be an ISO 3166-1 alpha-2 code such as US' })
  country!: string;
}

export class RedirectSettingsDto {
  @ApiProperty({
    description: 'Where the consumer returns after the payment',
    example: 'https://www.your-return-page.com/',
  })
  @IsDefined()
  @IsString()
  @MaxLength(2048)
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false },
    { message: 'returnUrl must be an absolute URL', context: { code: 'invalid_return_url' } },
  )
  returnUrl!: string;
}

export class AuthenticationSettingDto {
  @ApiProperty({ enum: ['REDIRECT'], example: 'REDIRECT' })
  @IsDefined()
  @Equals('REDIRECT', {
    message: 'only REDIRECT authentication is supported',
    context: { code: 'authentication_method_not_supported' },
  })
  type!: 'REDIRECT';

  @ApiProperty({ type: RedirectSettingsDto })
  @IsDefined()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => RedirectSettingsDto)
  settings!: RedirectSettingsDto;
}

export class SandboxOptionsDto {
  @ApiProperty({
    enum: SIMULATION_CODES,
    description: 'Force an Amazon Pay sandbox outcome (sandbox merchants only)',
    example: 'Declined',
  })
  @IsDefined()
  @IsIn(SIMULATION_CODES, { context: { code: 'invalid_simulation_code' } })
  simulationCode!: SimulationCode;
}

/**
 * The create-charge body in the OpenAPI document, and the reference for its rules: requests are checked by
 * createPaymentChargeValidator, held to the same answers by its spec.
 */
export class CreatePaymentChargeDto {
  @ApiProperty({ enum: ['AMAZON_PAY'], example: 'AMAZON_PAY' })
  @IsDefined()
  @IsIn(['AMAZON_PAY'], {
    message: 'paymentMethod must be AMAZON_PAY',
    context: { code: 'payment_method_not_supported' },
  })
  paymentMethod!: 'AMAZON_PAY';

  @ApiProperty({ type: AmountDto })
  @IsDefined()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => AmountDto)
  amount!: AmountDto;

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

  @ApiPropertyOptional({ description: 'Your own reference for this charge', example: 'order-1234' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  merchantPaymentChargeReference?: string;

  @ApiPropertyOptional({ enum: ['AUTOMATIC', 'MANUAL'], default: 'AUTOMATIC' })
  @IsOptional()
  @IsIn(['AUTOMATIC', 'MANUAL'])
  captureMethod?: 'AUTOMATIC' | 'MANUAL';

  @ApiPropertyOptional({
    description: 'Where webhooks about this charge are sent',
    example: 'https://merchant.example/webhooks',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  webhooksUrl?: string;

  @ApiPropertyOptional({ type: SandboxOptionsDto, description: 'Sandbox only: force a simulated outcome' })
  @IsOptional()
  @IsObject({ context: { code: 'invalid_field' } })
  @ValidateNested()
  @Type(() => SandboxOptionsDto)
  sandbox?: SandboxOptionsDto;
}
