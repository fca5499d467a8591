import { Body, Controller, HttpCode, Param, Post, Req, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  type ChargebackResource,
  ID_PREFIXES,
  type OpenChargebackMessage,
  REFUNDS_PATTERNS,
  type ResolveChargebackMessage,
} from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { ApiError } from '../http/api-error';
import { ApiOperationDoc } from '../http/openapi/api-operation';
import { chargebackIdOf, chargeIdOf } from '../http/path-id';
import { idOf } from '../http/response-schema';
import type { IdempotentRequest } from '../idempotency/idempotency';
import { IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ApiKeyGuard, type AuthenticatedRequest } from '../merchants/api-key.guard';
import { RefundsClient } from '../services/service.client';
import { chargebackSchema } from './refund.schemas';
import {
  type OpenChargebackBody,
  openChargebackBody,
  type ResolveChargebackBody,
  resolveChargebackBody,
} from './sandbox-chargeback.bodies';

const CHARGE_ID = { id: idOf('charge') };
const SANDBOX_ONLY = { 403: 'Simulated chargebacks exist only for sandbox merchants (`sandbox_only`)' };
const correlationId = (): string => String(currentLogContext().correlationId ?? '');

/**
 * Sandbox only, like an agreement's test clock: makes the sandbox provider raise a chargeback on a captured charge,
 * and later decide it, as a consumer's dispute at a real provider would. Under the charge it acts on; the
 * chargeback then shows on the charge (`chargebacks[]`) and holds its amount from refunds while OPEN or LOST.
 */
@ApiTags('refunds')
@Controller('v1/payment-charges')
@UseGuards(ApiKeyGuard)
export class SandboxChargebacksController {
  constructor(private readonly refunds: RefundsClient) {}

  @Post(':id/chargebacks')
  @HttpCode(201)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'openPaymentChargeChargeback',
    summary: 'Raise a chargeback on a payment charge (sandbox)',
    description:
      'The sandbox provider reports that the consumer disputes `amount` of a captured charge: the chargeback is ' +
      'OPEN and its amount is not refundable until it is resolved. Refused, as a provider would, when less than ' +
      '`amount` is left after the refunds and other chargebacks (a fully refunded charge takes none).',
    params: CHARGE_ID,
    body: {
      schema: openChargebackBody.schema,
      examples: {
        dispute: { summary: 'The whole of seed 001', value: { amount: 1000, reason: 'product not received' } },
      },
    },
    success: { status: 201, schema: chargebackSchema, description: 'The chargeback, OPEN' },
    errors: {
      ...SANDBOX_ONLY,
      404: 'No such payment charge for this merchant (`payment_charge_not_found`)',
      409:
        'The charge has nothing captured (`charge_not_captured`) or less than `amount` is left after its refunds ' +
        'and chargebacks (`amount_exceeds_refundable`, with refundableAmount)',
    },
    idempotent: true,
  })
  open(
    @Param('id') id: string,
    @Body(openChargebackBody.pipe) body: OpenChargebackBody,
    @Req() request: IdempotentRequest,
  ): Promise<ChargebackResource> {
    sandboxOnly(request);
    const message: OpenChargebackMessage = {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchant: request.merchant,
      chargeId: chargeIdOf(id),
      chargebackId: `${ID_PREFIXES.chargeback}_${request.resourceIdHex}`,
      amount: body.amount,
      reason: body.reason,
    };
    return this.refunds.send(REFUNDS_PATTERNS.openChargeback, message);
  }

  @Post(':id/chargebacks/:chargebackId/resolutions')
  @HttpCode(200)
  @UseInterceptors(IdempotencyInterceptor)
  @ApiOperationDoc({
    operationId: 'resolvePaymentChargeChargeback',
    summary: 'Resolve a chargeback (sandbox)',
    description:
      'The sandbox provider decides the dispute: WON gives the amount back to you (refundable again), LOST leaves ' +
      'it with the consumer. A resolution is final; asking for the same outcome again answers with the chargeback.',
    params: { ...CHARGE_ID, chargebackId: idOf('chargeback') },
    body: { schema: resolveChargebackBody.schema, examples: { won: { summary: 'Won', value: { outcome: 'WON' } } } },
    success: { status: 200, schema: chargebackSchema, description: 'The chargeback, WON or LOST' },
    errors: {
      ...SANDBOX_ONLY,
      404: 'No such payment charge (`payment_charge_not_found`), or no such chargeback of it (`chargeback_not_found`)',
      409: 'The chargeback was already resolved with the other outcome (`chargeback_already_resolved`)',
    },
    idempotent: true,
  })
  resolve(
    @Param('id') id: string,
    @Param('chargebackId') chargebackId: string,
    @Body(resolveChargebackBody.pipe) body: ResolveChargebackBody,
    @Req() request: IdempotentRequest,
  ): Promise<ChargebackResource> {
    sandboxOnly(request);
    const message: ResolveChargebackMessage = {
      correlationId: correlationId(),
      idempotencyKey: request.idempotencyKey,
      merchant: request.merchant,
      chargeId: chargeIdOf(id),
      chargebackId: chargebackIdOf(chargebackId),
      outcome: body.outcome,
    };
    return this.refunds.send(REFUNDS_PATTERNS.resolveChargeback, message);
  }
}

function sandboxOnly(request: AuthenticatedRequest): void {
  if (request.merchant.mode !== 'SANDBOX') {
    throw new ApiError(403, 'sandbox_only', 'Simulated chargebacks exist only in sandbox');
  }
}
