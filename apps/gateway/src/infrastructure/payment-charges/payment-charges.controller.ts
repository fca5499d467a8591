import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  type CaptureList,
  type CaptureResource,
  type ChargeList,
  CHARGES_PATTERNS,
  ID_PREFIXES,
  type PaymentChargeResource,
  type VoidList,
  type VoidResource,
} from '@payment-ledger/contracts';
import { currentLogContext, type OutboundUrlPolicy } from '@payment-ledger/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';
import { ApiError } from '../http/api-error';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { chargeIdOf } from '../http/path-id';
import { idOf } from '../http/response-schema';
import { simulationCode } from '../http/simulation-code';
import { assertWebhooksUrlAllowed, webhooksUrlPolicy } from '../http/webhooks-url';
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
  captureListSchema,
  captureSchema,
  paymentChargeListSchema,
  paymentChargeSchema,
  voidListSchema,
  voidSchema,
} from './payment-charge.schemas';

const SEED_001_REQUEST = {
  paymentMethod: 'AMAZON_PAY',
  amount: { value: 1000, currency: 'USD' },
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
};
const CHARGE_ID = { id: idOf('charge') };
const CHARGE_NOT_FOUND = { 404: 'No such payment charge for this merchant (`payment_charge_not_found`)' };

const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/** `/v1/payment-charges`: one-time payments, their captures and voids (seed 001). Commands go to the charges service. */
@ApiTags('payment-charges')
@Controller('v1/payment-charges')
@UseGuards(ApiKeyGuard)
export class PaymentChargesController {
  private readonly webhooksUrlPolicy: OutboundUrlPolicy;

  constructor(
    private readonly charges: ChargesClient,
    private readonly idempotency: Idempotency,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.webhooksUrlPolicy = webhooksUrlPolicy(config);
  }

  /**
   * The API's busiest route runs Idempotency itself rather than through IdempotencyInterceptor: a route interceptor
   * costs every request Nest's rxjs machinery, key or not. The body is checked inside, after the key is claimed, as
   * the body pipes check it on the interceptor's routes.
   */
  @Post()
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'createPaymentCharge',
    summary: 'Create a payment charge',
    description:
      'Starts a one-time payment. The consumer authenticates at `authenticationMethods[0].details.requestUrl` and ' +
      'comes back to your returnUrl; with captureMethod AUTOMATIC the payment is then captured, with MANUAL it waits ' +
      'in CAPTURE_PENDING for your capture (or void).',
    body: {
      schema: createPaymentChargeBody.schema,
      examples: { seed001: { summary: 'Seed 001: Amazon Pay, redirect', value: SEED_001_REQUEST } },
    },
    success: {
      status: 201,
      schema: paymentChargeSchema,
      description:
        'The charge, AUTHENTICATION_PENDING: send the consumer to authenticationMethods[0].details.requestUrl',
    },
    idempotent: true,
    simulation: true,
  })
  create(
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentChargeResource> {
    return this.idempotency.run(request, reply, async () => {
      const body = createPaymentChargeBody.validate(request.body);
      const redirect = body.authenticationSettings.find((s) => s.type === 'REDIRECT');
      if (!redirect) {
        throw new ApiError(400, 'missing_field', 'a REDIRECT authentication setting with a returnUrl is required', {
          field: 'authenticationSettings',
        });
      }
      await assertWebhooksUrlAllowed(body.webhooksUrl, this.webhooksUrlPolicy);
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
  @ApiOperationDoc({
    operationId: 'listPaymentCharges',
    summary: 'List payment charges',
    description: 'Your charges, newest first, filtered by status, reference or agreement. Shows your own writes.',
    success: { status: 200, schema: paymentChargeListSchema, description: 'A page of charges' },
  })
  list(
    @Query() query: ListPaymentChargesQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<ChargeList> {
    return this.charges.send(CHARGES_PATTERNS.list, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      limit: query.limit,
      startingAfter: query.startingAfter,
      status: query.status,
      merchantPaymentChargeReference: query.merchantPaymentChargeReference,
      agreementId: query.agreementId,
    });
  }

  @Get(':id')
  @ApiOperationDoc({
    operationId: 'getPaymentCharge',
    summary: 'Get a payment charge',
    params: CHARGE_ID,
    success: { status: 200, schema: paymentChargeSchema, description: 'The charge as it is now' },
    errors: CHARGE_NOT_FOUND,
  })
  get(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<PaymentChargeResource> {
    return this.charges.send(CHARGES_PATTERNS.get, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
    });
  }

  @Post(':id/captures')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'capturePaymentCharge',
    summary: 'Capture a payment charge',
    description:
      'Captures a MANUAL charge in CAPTURE_PENDING: all that is left of the authorization by default, or `amount` ' +
      '(partial captures add up to at most the authorized amount). The capture is PROCESSING until the provider ' +
      'answers; read it or the charge for its outcome.',
    params: CHARGE_ID,
    body: {
      schema: capturePaymentChargeBody.schema,
      examples: { partial: { summary: 'Partial', value: { amount: 800 } } },
    },
    success: { status: 201, schema: captureSchema, description: 'The capture' },
    errors: {
      ...CHARGE_NOT_FOUND,
      409:
        'The charge is not capturable (`invalid_charge_status`, with currentStatus), the amount is more than is left ' +
        '(`amount_exceeds_authorized`), nothing is left (`nothing_to_capture`) or the authorization expired',
    },
    idempotent: true,
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
      chargeId: chargeIdOf(id),
      captureId: `${ID_PREFIXES.capture}_${request.resourceIdHex}`,
      amount: body.amount,
    });
  }

  @Get(':id/captures')
  @ApiOperationDoc({
    operationId: 'listPaymentChargeCaptures',
    summary: "List a charge's captures",
    description: 'In the order they were made.',
    params: CHARGE_ID,
    success: { status: 200, schema: captureListSchema, description: 'A page of captures' },
    errors: CHARGE_NOT_FOUND,
  })
  listCaptures(
    @Param('id') id: string,
    @Query() query: ListPaymentChargeCapturesQuery,
    @Req() request: AuthenticatedRequest,
  ): Promise<CaptureList> {
    return this.charges.send(CHARGES_PATTERNS.listCaptures, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      limit: query.limit,
      startingAfter: query.startingAfter,
    });
  }

  @Get(':id/captures/:captureId')
  @ApiOperationDoc({
    operationId: 'getPaymentChargeCapture',
    summary: 'Get a capture',
    params: { ...CHARGE_ID, captureId: idOf('capture') },
    success: { status: 200, schema: captureSchema, description: 'The capture' },
    errors: { 404: 'No such charge (`payment_charge_not_found`) or capture (`capture_not_found`)' },
  })
  getCapture(
    @Param('id') id: string,
    @Param('captureId') captureId: string,
    @Req() request: AuthenticatedRequest,
  ): Promise<CaptureResource> {
    return this.charges.send(CHARGES_PATTERNS.getCapture, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      operationId: captureId,
    });
  }

  @Post(':id/voids')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'voidPaymentCharge',
    summary: 'Void a payment charge',
    description: 'Releases what is authorized and not captured (a MANUAL charge in CAPTURE_PENDING).',
    params: CHARGE_ID,
    body: { schema: voidPaymentChargeBody.schema },
    success: { status: 201, schema: voidSchema, description: 'The void' },
    errors: {
      ...CHARGE_NOT_FOUND,
      409: 'The charge has nothing to release (`invalid_charge_status`, with currentStatus)',
    },
    idempotent: true,
  })
  void(
    @Param('id') id: string,
    @Body(voidPaymentChargeBody.pipe) _body: unknown,
    @Req() request: IdempotentRequest,
  ): Promise<VoidResource> {
    return this.charges.send(CHARGES_PATTERNS.void, {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      voidId: `${ID_PREFIXES.void}_${request.resourceIdHex}`,
    });
  }

  @Get(':id/voids')
  @ApiOperationDoc({
    operationId: 'listPaymentChargeVoids',
    summary: "List a charge's voids",
    params: CHARGE_ID,
    success: { status: 200, schema: voidListSchema, description: 'A page of voids' },
    errors: CHARGE_NOT_FOUND,
  })
  listVoids(
    @Param('id') id: string,
    @Query() query: ListPaymentChargeVoidsQuery,
    @Req() request: AuthenticatedRequest,
  ): Promise<VoidList> {
    return this.charges.send(CHARGES_PATTERNS.listVoids, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      limit: query.limit,
      startingAfter: query.startingAfter,
    });
  }

  @Get(':id/voids/:voidId')
  @ApiOperationDoc({
    operationId: 'getPaymentChargeVoid',
    summary: 'Get a void',
    params: { ...CHARGE_ID, voidId: idOf('void') },
    success: { status: 200, schema: voidSchema, description: 'The void' },
    errors: { 404: 'No such charge (`payment_charge_not_found`) or void (`void_not_found`)' },
  })
  getVoid(
    @Param('id') id: string,
    @Param('voidId') voidId: string,
    @Req() request: AuthenticatedRequest,
  ): Promise<VoidResource> {
    return this.charges.send(CHARGES_PATTERNS.getVoid, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      operationId: voidId,
    });
  }
}
