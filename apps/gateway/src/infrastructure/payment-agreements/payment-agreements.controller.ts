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
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  AGREEMENTS_PATTERNS,
  type AgreementList,
  SCHEDULER_PATTERNS,
  ID_PREFIXES,
  type PaymentAgreementResource,
  type PaymentChargeResource,
} from '@payment-ledger/contracts';
import { currentLogContext, type OutboundUrlPolicy } from '@payment-ledger/platform';
import { GATEWAY_CONFIG, type GatewayConfig } from '../../gateway.config';
import { ApiError } from '../http/api-error';
import type { IdempotentRequest } from '../idempotency/idempotency';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { simulationCode } from '../http/simulation-code';
import { assertWebhooksUrlAllowed, webhooksUrlPolicy } from '../http/webhooks-url';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { agreementIdOf } from '../http/path-id';
import { idOf } from '../http/response-schema';
import { paymentChargeSchema } from '../payment-charges/payment-charge.schemas';
import { paymentAgreementListSchema, paymentAgreementSchema, testClockSchema } from './payment-agreement.schemas';
import { AgreementsClient, SchedulerClient } from '../services/service.client';
import { type AdvanceTestClockBody, advanceTestClockBody } from './advance-test-clock.body';
import { type ChargePaymentAgreementBody, chargePaymentAgreementBody } from './charge-payment-agreement.body';
import { type CreatePaymentAgreementBody, createPaymentAgreementBody } from './create-payment-agreement.body';
import { revokePaymentAgreementBody } from './revoke-payment-agreement.body';
import { ListPaymentAgreementsQuery } from './list-payment-agreements.query';
import { ListWaitMs } from '../http/list-wait-ms';

const SEED_001_AGREEMENT = {
  paymentMethod: 'AMAZON_PAY',
  startDate: '2025-03-26T20:24:27Z',
  consumer: { name: 'John Smith', country: 'US' },
  authenticationSettings: [{ type: 'REDIRECT', settings: { returnUrl: 'https://www.your-return-page.com/' } }],
  initialPaymentCharge: { amount: { value: 1000, currency: 'USD' } },
};
const AGREEMENT_ID = { id: idOf('agreement') };
const AGREEMENT_NOT_FOUND = { 404: 'No such payment agreement for this merchant (`payment_agreement_not_found`)' };
const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/** `/v1/payment-agreements`: recurring consent (seed 001 "Recurring Payments"), owned by the agreements service. */
@ApiTags('payment-agreements')
@Controller('v1/payment-agreements')
@UseGuards(ApiKeyGuard)
export class PaymentAgreementsController {
  private readonly webhooksUrlPolicy: OutboundUrlPolicy;

  constructor(
    private readonly agreements: AgreementsClient,
    private readonly scheduler: SchedulerClient,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.webhooksUrlPolicy = webhooksUrlPolicy(config);
  }

  /**
   * Sandbox test clock (like Stripe's): moves this agreement's billing schedule forward, so months of recurring
   * billing take seconds. Answers at once with the schedule's new time; the scheduler's billing worker then runs what
   * became due (the merchant sees the charges appear, as with webhooks). The total offset is capped (10 years by
   * default): beyond it, 400 `test_clock_limit_exceeded`. Not available to live merchants.
   */
  @Post(':id/test-clock/advances')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'advancePaymentAgreementTestClock',
    summary: "Advance an agreement's test clock (sandbox)",
    description:
      "Moves this agreement's billing schedule forward by `seconds`; the recurring charges that became due are " +
      'then made within moments (list the charges with agreementId to see them). At most 10 years ahead in total.',
    params: AGREEMENT_ID,
    body: {
      schema: advanceTestClockBody.schema,
      examples: { month: { summary: '31 days', value: { seconds: 2678400 } } },
    },
    success: { status: 201, schema: testClockSchema, description: "The agreement's test clock after the advance" },
    errors: {
      403: 'Test clocks exist only for sandbox merchants (`sandbox_only`)',
      404: 'No such agreement, or it has no billing schedule (`billing_schedule_not_found`)',
    },
    idempotent: true,
  })
  advanceTestClock(
    @Param('id') id: string,
    @Body(advanceTestClockBody.pipe) body: AdvanceTestClockBody,
    @Req() request: AuthenticatedRequest,
  ): Promise<{ agreementId: string; frozenTime: string }> {
    if (request.merchant.mode !== 'SANDBOX') {
      throw new ApiError(403, 'sandbox_only', 'Test clocks exist only in sandbox');
    }
    return this.scheduler.send(SCHEDULER_PATTERNS.advanceTestClock, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      agreementId: agreementIdOf(id),
      seconds: body.seconds,
    });
  }

  @Post()
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'createPaymentAgreement',
    summary: 'Create a payment agreement',
    description:
      'Asks the consumer for consent to charge them later: send them to `authenticationMethods[0].details.requestUrl`. ' +
      'Once approved the agreement is ACTIVE (with its initial charge made, if one was asked for); with a frequency ' +
      'and an amount it is then charged on schedule.',
    body: {
      schema: createPaymentAgreementBody.schema,
      examples: { seed001: { summary: 'Seed 001: Amazon Pay, with an initial charge', value: SEED_001_AGREEMENT } },
    },
    success: { status: 201, schema: paymentAgreementSchema, description: 'The agreement, AUTHENTICATION_PENDING' },
    idempotent: true,
    simulation: true,
  })
  async create(
    @Body(createPaymentAgreementBody.pipe) body: CreatePaymentAgreementBody,
    @Req() request: IdempotentRequest,
  ): Promise<PaymentAgreementResource> {
    const redirect = body.authenticationSettings.find((s) => s.type === 'REDIRECT');
    if (!redirect) {
      throw new ApiError(400, 'missing_field', 'a REDIRECT authentication setting with a returnUrl is required', {
        field: 'authenticationSettings',
      });
    }
    await assertWebhooksUrlAllowed(body.webhooksUrl, this.webhooksUrlPolicy);
    const amount = body.amount ? { value: body.amount.value, currency: body.amount.currency } : null;
    return this.agreements.send(AGREEMENTS_PATTERNS.create, {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchant: request.merchant,
      agreementId: `${ID_PREFIXES.agreement}_${request.resourceIdHex}`,
      // The same hex under another prefix: stable across retries of one idempotency key, like the agreement id.
      initialPaymentChargeId: body.initialPaymentCharge ? `${ID_PREFIXES.charge}_${request.resourceIdHex}` : null,
      paymentMethod: body.paymentMethod,
      consumer: { name: body.consumer.name, country: body.consumer.country },
      startDate: body.startDate,
      endDate: body.endDate ?? null,
      description: body.description ?? null,
      frequency: body.frequency ? { type: body.frequency.type, interval: body.frequency.interval } : null,
      amount,
      amountType: body.amountType ?? (amount ? 'EXACT' : 'VARIABLE'),
      initialPaymentCharge: body.initialPaymentCharge
        ? {
            amount: {
              value: body.initialPaymentCharge.amount.value,
              currency: body.initialPaymentCharge.amount.currency,
            },
          }
        : null,
      returnUrl: redirect.settings.returnUrl,
      merchantPaymentAgreementReference: body.merchantPaymentAgreementReference ?? null,
      webhooksUrl: body.webhooksUrl ?? null,
      simulationCode: simulationCode(body, request),
    });
  }

  @Get()
  @ApiOperationDoc({
    operationId: 'listPaymentAgreements',
    summary: 'List payment agreements',
    description: 'Your agreements, newest first, filtered by status or reference. Shows your own writes.',
    success: { status: 200, schema: paymentAgreementListSchema, description: 'A page of agreements' },
  })
  list(
    @Query() query: ListPaymentAgreementsQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<AgreementList> {
    return this.agreements.send(AGREEMENTS_PATTERNS.list, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      limit: query.limit,
      startingAfter: query.startingAfter,
      status: query.status,
      merchantPaymentAgreementReference: query.merchantPaymentAgreementReference,
    });
  }

  @Get(':id')
  @ApiOperationDoc({
    operationId: 'getPaymentAgreement',
    summary: 'Get a payment agreement',
    params: AGREEMENT_ID,
    success: { status: 200, schema: paymentAgreementSchema, description: 'The agreement as it is now' },
    errors: AGREEMENT_NOT_FOUND,
  })
  get(@Param('id') id: string, @Req() request: AuthenticatedRequest): Promise<PaymentAgreementResource> {
    return this.agreements.send(AGREEMENTS_PATTERNS.get, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      agreementId: agreementIdOf(id),
    });
  }

  @Post(':id/revocations')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'revokePaymentAgreement',
    summary: 'Revoke a payment agreement',
    description: 'Ends the agreement: it can no longer be charged and its schedule stops.',
    params: AGREEMENT_ID,
    body: { schema: revokePaymentAgreementBody.schema },
    success: { status: 201, schema: paymentAgreementSchema, description: 'The agreement, REVOKED' },
    errors: {
      ...AGREEMENT_NOT_FOUND,
      409: 'The agreement cannot be revoked in its status (`invalid_agreement_status`, with currentStatus)',
    },
    idempotent: true,
  })
  revoke(
    @Param('id') id: string,
    @Body(revokePaymentAgreementBody.pipe) _body: unknown,
    @Req() request: IdempotentRequest,
  ): Promise<PaymentAgreementResource> {
    return this.agreements.send(AGREEMENTS_PATTERNS.revoke, {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      agreementId: agreementIdOf(id),
      revokedBy: 'MERCHANT',
    });
  }

  @Post(':id/payment-charges')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'chargePaymentAgreement',
    summary: 'Charge a payment agreement',
    description:
      'A merchant-initiated charge under an ACTIVE agreement, made without the consumer: authorized and captured ' +
      'at once. A decline is not an HTTP error: the charge is FAILED with `failure`.',
    params: AGREEMENT_ID,
    body: {
      schema: chargePaymentAgreementBody.schema,
      examples: { seed001: { summary: 'Seed 001: $80.00', value: { amount: { value: 8000, currency: 'USD' } } } },
    },
    success: { status: 201, schema: paymentChargeSchema, description: 'The charge (CAPTURED or FAILED)' },
    errors: {
      ...AGREEMENT_NOT_FOUND,
      409:
        'The agreement cannot be charged now (`invalid_agreement_status`, `agreement_revoked`, `agreement_past_due`, ' +
        '`agreement_ended`)',
    },
    idempotent: true,
    simulation: true,
  })
  charge(
    @Param('id') id: string,
    @Body(chargePaymentAgreementBody.pipe) body: ChargePaymentAgreementBody,
    @Req() request: IdempotentRequest,
  ): Promise<PaymentChargeResource> {
    return this.agreements.send(AGREEMENTS_PATTERNS.charge, {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchantId: request.merchant.id,
      agreementId: agreementIdOf(id),
      chargeId: `${ID_PREFIXES.charge}_${request.resourceIdHex}`,
      amount: body.amount ? { value: body.amount.value, currency: body.amount.currency } : null,
      initiator: 'MERCHANT',
      merchantPaymentChargeReference: body.merchantPaymentChargeReference ?? null,
      simulationCode: simulationCode(body, request),
    });
  }
}
