import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiTags } from '@nestjs/swagger';
import {
  type CreateRefundMessage,
  type GetRefundMessage,
  ID_PREFIXES,
  type ListChargeRefundsMessage,
  REFUND_SIMULATION_CODES,
  REFUNDS_PATTERNS,
  type RefundList,
  type RefundResource,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { chargeIdOf, refundIdOf } from '../http/path-id';
import { idOf } from '../http/response-schema';
import { simulationCode } from '../http/simulation-code';
import { Idempotency, type IdempotentRequest } from '../idempotency/idempotency';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { RefundsClient } from '../services/service.client';
import { createRefundBody } from './create-refund.body';
import { ListPaymentChargeRefundsQuery } from './list-payment-charge-refunds.query';
import { refundListSchema, refundSchema } from './refund.schemas';

const CHARGE_ID = { id: idOf('charge') };
const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/**
 * `/v1/payment-charges/{id}/refunds`: a charge's refunds (seed 001: full, partial and multiple, within the method's
 * refund window). The refunds service owns them; the charge shows them too (`refunds[]`).
 */
@ApiTags('refunds')
@Controller('v1/payment-charges')
@UseGuards(ApiKeyGuard)
export class PaymentChargeRefundsController {
  constructor(
    private readonly refunds: RefundsClient,
    private readonly idempotency: Idempotency,
  ) {}

  /**
   * Runs Idempotency itself, as the charge create does, rather than through IdempotencyInterceptor (whose rxjs
   * machinery costs every request); the body is checked inside, after the key is claimed, as a body pipe would.
   */
  @Post(':id/refunds')
  @HttpCode(201)
  @ApiOperationDoc({
    operationId: 'refundPaymentCharge',
    summary: 'Refund a payment charge',
    description:
      'Gives back what was captured: everything still refundable by default, or `amount` (several partial refunds ' +
      'add up to at most the captured amount, less open or lost chargebacks). The refund is REFUND_PENDING until ' +
      'the provider settles it (SUCCEEDED, or FAILED with its amount refundable again); read it, or the charge, ' +
      "for its outcome. Amazon Pay refunds within 6 months of the charge's capture.",
    params: CHARGE_ID,
    body: {
      schema: createRefundBody.schema,
      examples: {
        full: { summary: 'Everything still refundable', value: {} },
        partial: {
          summary: 'Partial, with your reference',
          value: { amount: 250, reason: 'item returned', merchantRefundReference: 'return-5678' },
        },
      },
    },
    success: { status: 201, schema: refundSchema, description: 'The refund, REFUND_PENDING (or already settled)' },
    errors: {
      404: 'No such payment charge for this merchant (`payment_charge_not_found`)',
      409:
        'The charge has nothing captured (`charge_not_captured`), the amount is more than is left to refund ' +
        "(`amount_exceeds_refundable`, with refundableAmount), the method's refund window has passed " +
        '(`refund_window_expired`) or the method takes no refund of this kind (`refund_not_supported`)',
    },
    idempotent: true,
    simulation: REFUND_SIMULATION_CODES,
  })
  create(
    @Param('id') id: string,
    @Req() request: IdempotentRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RefundResource> {
    return this.idempotency.run(request, reply, () => {
      const body = createRefundBody.validate(request.body);
      const message: CreateRefundMessage = {
        correlationId: correlationId(),
        idempotencyKey: request.idempotencyKey,
        merchant: request.merchant,
        chargeId: chargeIdOf(id),
        // The same hex on every retry of one idempotency key: a retried request names the same refund.
        refundId: `${ID_PREFIXES.refund}_${request.resourceIdHex}`,
        ...(typeof body.amount === 'number' ? { amount: body.amount } : {}),
        reason: body.reason ?? null,
        merchantRefundReference: body.merchantRefundReference ?? null,
        simulationCode: simulationCode(body, request, REFUND_SIMULATION_CODES),
      };
      return this.refunds.send<RefundResource>(REFUNDS_PATTERNS.create, message);
    });
  }

  @Get(':id/refunds')
  @ApiOperationDoc({
    operationId: 'listPaymentChargeRefunds',
    summary: "List a charge's refunds",
    description: 'In the order they were asked for; always current.',
    params: CHARGE_ID,
    success: { status: 200, schema: refundListSchema, description: 'A page of refunds' },
    errors: { 404: 'No such payment charge for this merchant (`payment_charge_not_found`)' },
  })
  list(
    @Param('id') id: string,
    @Query() query: ListPaymentChargeRefundsQuery,
    @Req() request: AuthenticatedRequest,
  ): Promise<RefundList> {
    const message: ListChargeRefundsMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      limit: query.limit,
      startingAfter: query.startingAfter,
    };
    return this.refunds.send(REFUNDS_PATTERNS.listOfCharge, message);
  }

  @Get(':id/refunds/:refundId')
  @ApiOperationDoc({
    operationId: 'getPaymentChargeRefund',
    summary: "Get a charge's refund",
    params: { ...CHARGE_ID, refundId: idOf('refund') },
    success: { status: 200, schema: refundSchema, description: 'The refund as it is now' },
    errors: { 404: 'No such charge (`payment_charge_not_found`), or no such refund of it (`refund_not_found`)' },
  })
  get(
    @Param('id') id: string,
    @Param('refundId') refundId: string,
    @Req() request: AuthenticatedRequest,
  ): Promise<RefundResource> {
    const message: GetRefundMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      chargeId: chargeIdOf(id),
      refundId: refundIdOf(refundId),
    };
    return this.refunds.send(REFUNDS_PATTERNS.get, message);
  }
}
