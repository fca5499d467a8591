import { Controller, Get, Param, Query, Req, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  type GetRefundMessage,
  type ListRefundsMessage,
  REFUNDS_PATTERNS,
  type RefundList,
  type RefundResource,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ListWaitMs } from '../http/list-wait-ms';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { refundIdOf } from '../http/path-id';
import { idOf } from '../http/response-schema';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { RefundsClient } from '../services/service.client';
import { ListRefundsQuery } from './list-refunds.query';
import { refundListSchema, refundSchema } from './refund.schemas';

const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/** `/v1/refunds`: every refund of the merchant, across charges (finance's view), from the refunds service. */
@ApiTags('refunds')
@Controller('v1/refunds')
@UseGuards(ApiKeyGuard)
export class RefundsController {
  constructor(private readonly refunds: RefundsClient) {}

  @Get()
  @ApiOperationDoc({
    operationId: 'listRefunds',
    summary: 'List refunds',
    description:
      'Your refunds across charges, newest first, filtered by status, payment charge and creation time ' +
      '(createdFrom inclusive, createdTo exclusive). Shows your own writes.',
    success: { status: 200, schema: refundListSchema, description: 'A page of refunds' },
  })
  list(
    @Query() query: ListRefundsQuery,
    @Req() request: AuthenticatedRequest,
    @ListWaitMs() consistencyWaitMs: number,
  ): Promise<RefundList> {
    const message: ListRefundsMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      consistencyWaitMs,
      limit: query.limit,
      startingAfter: query.startingAfter,
      status: query.status,
      chargeId: query.paymentChargeId,
      // One spelling of an instant for the service: `2025-03-26T21:24:27+01:00` is `2025-03-26T20:24:27.000Z`.
      createdFrom: query.createdFrom && new Date(query.createdFrom).toISOString(),
      createdTo: query.createdTo && new Date(query.createdTo).toISOString(),
    };
    return this.refunds.send(REFUNDS_PATTERNS.list, message);
  }

  @Get(':refundId')
  @ApiOperationDoc({
    operationId: 'getRefund',
    summary: 'Get a refund',
    params: { refundId: idOf('refund') },
    success: { status: 200, schema: refundSchema, description: 'The refund as it is now' },
    errors: { 404: 'No such refund for this merchant (`refund_not_found`)' },
  })
  get(@Param('refundId') refundId: string, @Req() request: AuthenticatedRequest): Promise<RefundResource> {
    const message: GetRefundMessage = {
      correlationId: correlationId(),
      merchantId: request.merchant.id,
      refundId: refundIdOf(refundId),
    };
    return this.refunds.send(REFUNDS_PATTERNS.get, message);
  }
}
