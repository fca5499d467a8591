import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHARGE_STATUSES } from '@payment-ledger/contracts';

/** Documentation of the payment charge response (seed 001), for the OpenAPI document only. */
class ResponseAmount {
  @ApiProperty({ example: 1000 }) value!: number;
  @ApiProperty({ example: 'USD' }) currency!: string;
}
class ResponseConsumer {
  @ApiProperty({ example: 'John Smith' }) name!: string;
  @ApiProperty({ example: 'US' }) country!: string;
}
class RedirectDetails {
  @ApiProperty({ example: 'http://127.0.0.1:3002/amazon-pay/checkout/charge_0193…?token=…' }) requestUrl!: string;
  @ApiProperty({ example: 'GET' }) requestMethod!: string;
}
class AuthenticationMethod {
  @ApiProperty({ example: 'REDIRECT' }) type!: string;
  @ApiProperty({ type: RedirectDetails }) details!: RedirectDetails;
}
export class OperationResponse {
  @ApiProperty({ example: 'cap_0193a1b2c3d4e5f60718293a4b5c6d7e' }) id!: string;
  @ApiProperty({ example: 8000 }) amount!: number;
  @ApiProperty({ example: 'CAPTURED' }) status!: string;
  @ApiProperty({ example: '2025-02-19T16:09:28.777Z' }) createdAt!: string;
  @ApiProperty({ example: '2025-02-19T16:09:28.777Z' }) updatedAt!: string;
}
export class ChargeOperationResponse extends OperationResponse {
  @ApiProperty({ example: 'charge_0193a1b2c3d4e5f60718293a4b5c6d7e' }) paymentChargeId!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
}
class HistoryEntry {
  @ApiProperty({ example: 'hist_0193a1b2c3d4e5f60718293a4b5c6d7e' }) id!: string;
  @ApiProperty({ enum: CHARGE_STATUSES, example: 'AUTHENTICATION_PENDING' }) status!: string;
  @ApiProperty({ example: '2025-02-19T15:30:08.312Z' }) createdAt!: string;
}
class Failure {
  @ApiProperty({ enum: ['INTERNAL_DECLINE', 'PROVIDER_DECLINE', 'PROVIDER_ERROR', 'INTERNAL_ERROR'] })
  failureType!: string;
  @ApiProperty({ example: 'declined' }) failureCode!: string;
  @ApiProperty({ example: 'Declined', nullable: true }) providerFailureCode!: string | null;
  @ApiProperty({ example: 'Amazon Pay declined the payment' }) failureMessage!: string;
  @ApiProperty({ example: false }) isRetryable!: boolean;
}

export class PaymentChargeResponse {
  @ApiProperty({ example: 'charge_0193a1b2c3d4e5f60718293a4b5c6d7e' }) id!: string;
  @ApiProperty({ enum: CHARGE_STATUSES, example: 'AUTHENTICATION_PENDING' }) status!: string;
  @ApiProperty({ example: 'AMAZON_PAY' }) paymentMethod!: string;
  @ApiProperty({ type: ResponseAmount }) amount!: ResponseAmount;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty({ example: 'US' }) country!: string;
  @ApiProperty({ type: ResponseConsumer }) consumer!: ResponseConsumer;
  @ApiProperty({ enum: ['AUTOMATIC', 'MANUAL'] }) captureMethod!: string;
  @ApiPropertyOptional({ nullable: true, example: 'order-1234' }) merchantPaymentChargeReference!: string | null;
  @ApiPropertyOptional({ nullable: true }) webhooksUrl!: string | null;
  @ApiProperty({ type: [AuthenticationMethod] }) authenticationMethods!: AuthenticationMethod[];
  @ApiProperty({ type: [OperationResponse] }) authorizations!: OperationResponse[];
  @ApiProperty({ type: [OperationResponse] }) captures!: OperationResponse[];
  @ApiProperty({ type: [OperationResponse] }) refunds!: OperationResponse[];
  @ApiProperty({ type: [OperationResponse] }) voids!: OperationResponse[];
  @ApiProperty({ type: [HistoryEntry] }) history!: HistoryEntry[];
  @ApiPropertyOptional({ type: Failure, nullable: true }) failure!: Failure | null;
  @ApiProperty({ example: '2025-02-19T15:30:08.312Z' }) createdAt!: string;
  @ApiProperty({ example: '2025-02-19T15:30:08.312Z' }) updatedAt!: string;
}

export class PaymentChargeListResponse {
  @ApiProperty({ type: [PaymentChargeResponse] }) data!: PaymentChargeResponse[];
  @ApiProperty() hasMore!: boolean;
  @ApiPropertyOptional({ nullable: true }) nextCursor!: string | null;
}

export class ErrorResponse {
  @ApiProperty({ example: 404 }) status!: number;
  @ApiProperty({ example: 'payment_charge_not_found' }) failureCode!: string;
  @ApiProperty({ example: 'Payment charge not found' }) failureMessage!: string;
  @ApiProperty({ example: '2025-02-19T15:30:08.312Z' }) timestamp!: string;
  @ApiPropertyOptional({ example: 'amount.value' }) field?: string;
}
