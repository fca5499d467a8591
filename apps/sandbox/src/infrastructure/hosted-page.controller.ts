import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CHARGES_PATTERNS, type CheckoutView } from '@payment-ledger/contracts';
import { JsonLogger } from '@payment-ledger/platform';
import { InjectRpcClient, type RpcClient } from '@payment-ledger/rpc';
import { renderCheckoutPage, renderEndedPage, returnUrlFor } from '../domain/hosted-page.view';
import {
  type ConsumerForm,
  consumerDecision,
  formToken,
  INVALID_FORM,
  isRefusal,
  type PageRefusal,
  pageView,
  sendRefusal,
} from './provider-page';

/**
 * The page a consumer is redirected to (`requestUrl`): shows the merchant and amount, takes approve or cancel,
 * tells the charges service, then sends the browser back to the merchant's `returnUrl?paymentChargeId=…`.
 */
@Controller('amazon-pay/checkout')
export class HostedPageController {
  constructor(
    @InjectRpcClient('charges') private readonly charges: RpcClient,
    private readonly logger: JsonLogger,
  ) {}

  @Get(':chargeId')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async show(@Param('chargeId') chargeId: string, @Query('token') token: string, @Res() response: Response) {
    const view = await this.view(CHARGES_PATTERNS.checkout, { chargeId, token: String(token ?? '') });
    if (isRefusal(view)) return sendRefusal(response, view);
    if (view.status !== 'AUTHENTICATION_PENDING') return response.status(200).send(renderEndedPage(view));
    return response.status(200).send(renderCheckoutPage(view, String(token)));
  }

  @Post(':chargeId')
  @HttpCode(303)
  async decide(@Param('chargeId') chargeId: string, @Body() form: ConsumerForm, @Res() response: Response) {
    const decision = consumerDecision(form);
    if (!decision) return sendRefusal(response, INVALID_FORM);
    const view = await this.view(CHARGES_PATTERNS.completeCheckout, {
      chargeId,
      token: formToken(form),
      decision,
    });
    if (isRefusal(view)) return sendRefusal(response, view);
    this.logger.event('info', 'sandbox.checkout_completed', { chargeId, decision, status: view.status });
    return response.redirect(303, returnUrlFor(view));
  }

  private view(pattern: string, message: object): Promise<CheckoutView | PageRefusal> {
    return pageView<CheckoutView>(this.charges, pattern, message);
  }
}
