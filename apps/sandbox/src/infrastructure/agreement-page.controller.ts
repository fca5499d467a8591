import { Body, Controller, Get, Header, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AGREEMENTS_PATTERNS, type AgreementCheckoutView } from '@payment-ledger/contracts';
import { JsonLogger } from '@payment-ledger/platform';
import { InjectRpcClient, type RpcClient } from '@payment-ledger/rpc';
import { agreementReturnUrlFor, renderAgreementEndedPage, renderAgreementPage } from '../domain/hosted-page.view';
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

/** The consent page of a payment agreement (`requestUrl` of an agreement), then back to the merchant. */
@Controller('amazon-pay/agreements')
export class AgreementPageController {
  constructor(
    @InjectRpcClient('agreements') private readonly agreements: RpcClient,
    private readonly logger: JsonLogger,
  ) {}

  @Get(':agreementId')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  async show(@Param('agreementId') agreementId: string, @Query('token') token: string, @Res() response: Response) {
    const view = await this.view(AGREEMENTS_PATTERNS.checkout, { agreementId, token: String(token ?? '') });
    if (isRefusal(view)) return sendRefusal(response, view);
    if (view.status !== 'AUTHENTICATION_PENDING') return response.status(200).send(renderAgreementEndedPage(view));
    return response.status(200).send(renderAgreementPage(view, String(token)));
  }

  @Post(':agreementId')
  async decide(@Param('agreementId') agreementId: string, @Body() form: ConsumerForm, @Res() response: Response) {
    const decision = consumerDecision(form);
    if (!decision) return sendRefusal(response, INVALID_FORM);
    const view = await this.view(AGREEMENTS_PATTERNS.completeCheckout, {
      agreementId,
      token: formToken(form),
      decision,
    });
    if (isRefusal(view)) return sendRefusal(response, view);
    this.logger.event('info', 'sandbox.agreement_completed', { agreementId, decision, status: view.status });
    return response.redirect(303, agreementReturnUrlFor(view));
  }

  private view(pattern: string, message: object): Promise<AgreementCheckoutView | PageRefusal> {
    return pageView<AgreementCheckoutView>(this.agreements, pattern, message);
  }
}
