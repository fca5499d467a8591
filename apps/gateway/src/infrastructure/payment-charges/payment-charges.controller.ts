import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiHeader,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  type CaptureList,
  type CaptureResource,
  type ChargeList,
  CHARGES_PATTERNS,
  ID_PREFIXES,
  type PaymentChargeResource,
  SIMULATION_CODES,
  type VoidList,
  type VoidResource,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiError } from '../http/api-error';
import { SIMULATION_HEADER, simulationCode } from '../http/simulation-code';
import { Idempotency, type IdempotentRequest } from '../idempotency/idempotency';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { ChargesClient } from '../services/service.client';
import {
  type CapturePaymentChargeBody,
  capturePaymentChargeBody,
  voidPaymentChargeBody,
} from './capture-payment-charge.body';
import { createPaymentChargeBody } from './create-payment-charge.body';
import { ListPaymentChargesQuery } from './list-payment-charges.query';
import { ListPaymentChargeCapturesQuery } from './list-payment-charge-captures.query';
import { ListPaymentChargeVoidsQuery } from './list-payment-charge-voids.query';
import { ListWaitMs } from '../http/list-wait-ms';
import {
  ChargeOperationResponse,
  ErrorResponse,
  PaymentChargeListResponse,
  PaymentChargeResponse,
} from './payment-charge.response';

const SEED_001_REQUEST = {
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
};
const IDEMPOTENCY_HEADER_DOC = {
  name: 'Request-Idempotency-Key',
  required: false,
  description:
    'Retry safely: the same key and body replay the first response (`Request-Idempotency: true`). Alias: Idempotency-Key.',
};

const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/** `/v1/payment-charges`: one-time payments, their captures and voids (seed 001). Commands go to the charges service. */
@ApiTags('payment-charges')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing or invalid API key' })
@Controller('v1/payment-charges')
@UseGuards(ApiKeyGuard)
export class PaymentChargesController {
  constructor(
    private readonly charges: ChargesClient,
    private readonly idempotency: Idempotency,
  ) {}

  /**
   * The API's busiest route runs Idempotency itself rather than through IdempotencyInterceptor: a route interceptor
   * costs every request Nest's rxjs machinery, key or not. The body is checked inside, after the key is claimed, as
   * the body pipes check it on the interceptor's routes.
   */
  @Post()
  @HttpCode(201)
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiHeader({
    name: SIMULATION_HEADER,
    required: false,
    enum: SIMULATION_CODES,
    description: 'Sandbox only: force an Amazon Pay outcome',
  })
  @ApiBody({
    type: createPaymentChargeBody.model,
    examples: { seed001: { summary: 'Amazon Pay, redirect', value: SEED_001_REQUEST } },
  })
  @ApiCreatedResponse({
    type: PaymentChargeResponse,
    description: 'The charge, AUTHENTICATION_PENDING: send the consumer to authenticationMethods[0].details.requestUrl',
  })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'Idempotency key reused with another body, or still in flight',
  })
  create(
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentChargeResource> {
    return this.idempotency.run(request, reply, () => {
      const body = createPaymentChargeBody.validate(request.body);
      const redirect = body.authenticationSettings.find((s) => s.type === 'REDIRECT');
      if (!redirect) {
        throw new ApiError(400, 'missing_field', 'a REDIRECT authentication setting with a returnUrl is required', {
          field: 'authenticationSettings',
        });
      }
      return this.charges.send<PaymentChargeResource>(CHARGES_PATTERNS.create, {
        correlationId: correlationId(),
        idempotencyKey: request.idempotencyKey,
        merchant: request.merchant,
        chargeId: `${ID_PREFIXES.charge}_${request.resourceIdHex}`,
        paymentMethod: body.paymentMethod,
        amount: { value: body.amount.value, currency: body.amount.currency },
        consumer: { name: body.consumer.name, country: body.consumer.country },
        returnUrl: redirect.settings.returnUrl,
        captureMethod: body.captureMethod ?? 'AUTOMATIC',
        webhooksUrl: body.webhooksUrl ?? null,
        merchantPaymentChargeReference: body.merchantPaymentChargeReference ?? null,
        simulationCode: simulationCode(body, request),
      });
    });
  }

  @Get()
  @ApiOkResponse({ type: PaymentChargeListResponse })
  list(
    @Query() query: ListPaymentChargesQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<ChargeList> {
    return this.charges.send(CHARGES_PATTERNS.list, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      limit: query.limit ?? 20,
      startingAfter: query.startingAfter,
      status: query.status,
      merchantPaymentChargeReference: query.merchantPaymentChargeReference,
      agreementId: query.agreementId,
    });
  }

  @Get(':id')
  @ApiOkResponse({ type: PaymentChargeResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  get(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<PaymentChargeResource> {
    return this.charges.send(CHARGES_PATTERNS.get, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
    });
  }

  @Post(':id/captures')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiBody({ type: capturePaymentChargeBody.model })
  @ApiCreatedResponse({ type: ChargeOperationResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'amount_exceeds_authorized, or the charge is not capturable (currentStatus)',
  })
  capture(
    @Param('id') id: string,
    @Body(capturePaymentChargeBody.pipe) body: CapturePaymentChargeBody,
    @Req() request: IdempotentRequest,
  ): Promise<CaptureResource> {
    return this.charges.send(CHARGES_PATTERNS.capture, {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
      captureId: `${ID_PREFIXES.capture}_${request.resourceIdHex}`,
      amount: body.amount,
    });
  }

  @Get(':id/captures')
  listCaptures(
    @Param('id') id: string,
    @Query() query: ListPaymentChargeCapturesQuery,
    @Req() request: AuthenticatedRequest,
  ): Promise<CaptureList> {
    return this.charges.send(CHARGES_PATTERNS.listCaptures, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
      limit: query.limit ?? 20,
      startingAfter: query.startingAfter,
    });
  }

  @Get(':id/captures/:captureId')
  @ApiOkResponse({ type: ChargeOperationResponse })
  getCapture(
    @Param('id') id: string,
    @Param('captureId') captureId: string,
    @Req() request: AuthenticatedRequest,
  ): Promise<CaptureResource> {
    return this.charges.send(CHARGES_PATTERNS.getCapture, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
      operationId: captureId,
    });
  }

  @Post(':id/voids')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiHeader(IDEMPOTENCY_HEADER_DOC)
  @ApiBody({ type: voidPaymentChargeBody.model })
  @ApiCreatedResponse({ type: ChargeOperationResponse })
  @ApiBadRequestResponse({ type: ErrorResponse })
  @ApiConflictResponse({ type: ErrorResponse })
  void(
    @Param('id') id: string,
    @Body(voidPaymentChargeBody.pipe) _body: unknown,
    @Req() request: IdempotentRequest,
  ): Promise<VoidResource> {
    return this.charges.send(CHARGES_PATTERNS.void, {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
      voidId: `${ID_PREFIXES.void}_${request.resourceIdHex}`,
    });
  }

  @Get(':id/voids')
  listVoids(
    @Param('id') id: string,
    @Query() query: ListPaymentChargeVoidsQuery,
    @Req() request: AuthenticatedRequest,
  ): Promise<VoidList> {
    return this.charges.send(CHARGES_PATTERNS.listVoids, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
      limit: query.limit ?? 20,
      startingAfter: query.startingAfter,
    });
  }

  @Get(':id/voids/:voidId')
  @ApiOkResponse({ type: ChargeOperationResponse })
  getVoid(
    @Param('id') id: string,
    @Param('voidId') voidId: string,
    @Req() request: AuthenticatedRequest,
  ): Promise<VoidResource> {
    return this.charges.send(CHARGES_PATTERNS.getVoid, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeId(id),
      operationId: voidId,
    });
  }
}

/** Anything that is not a well-formed charge id cannot name one of the merchant's charges. */
function chargeId(id: string): string {
  if (!/^charge_[0-9a-f]{32}$/.test(id))
    throw new ApiError(404, 'payment_charge_not_found', 'Payment charge not found');
  return id;
}
