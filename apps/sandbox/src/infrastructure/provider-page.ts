import type { Response } from 'express';
import { FAILURE_CODES, newId } from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { RemoteCallError, type RpcClient } from '@payment-ledger/rpc';
import { renderRefusedPage } from '../domain/hosted-page.view';

/** What the consumer chose on a provider page's form; undefined for anything else. */
export function consumerDecision(form: { decision?: string }): 'APPROVE' | 'CANCEL' | undefined {
  return form.decision === 'APPROVE' || form.decision === 'CANCEL' ? form.decision : undefined;
}

/** Why a link does not open its page: its failure code (libs/contracts failure-codes.ts), status and message. */
export interface PageRefusal {
  refused: true;
  status: number;
  failureCode: 'hosted_page_link_invalid' | 'hosted_page_link_expired';
  failureMessage: string;
}

const INVALID_LINK: PageRefusal = {
  refused: true,
  status: FAILURE_CODES.hosted_page_link_invalid.status,
  failureCode: 'hosted_page_link_invalid',
  failureMessage: 'This payment link is not valid',
};

/**
 * Asks the owning service for a page's view (or to record the consumer's decision); a refusal when the link does
 * not open the page (the service verifies it: an unknown object or a bad token is an invalid link, a genuine one
 * past its expiry an expired one). Other failures are thrown.
 */
export async function pageView<View>(
  service: RpcClient,
  pattern: string,
  message: object,
): Promise<View | PageRefusal> {
  try {
    // The request's correlation id (expressRequestLogging), so the checkout's events name the browser's request.
    const correlationId = currentLogContext().correlationId ?? newId('event');
    return await service.send<View>(pattern, { ...message, correlationId });
  } catch (error) {
    if (!(error instanceof RemoteCallError)) throw error;
    if (error.failureCode === 'hosted_page_link_expired') {
      return {
        refused: true,
        status: FAILURE_CODES.hosted_page_link_expired.status,
        failureCode: 'hosted_page_link_expired',
        failureMessage: error.failureMessage,
      };
    }
    if (error.failureCode === 'hosted_page_link_invalid' || error.kind === 'not_found') return INVALID_LINK;
    throw error;
  }
}

export function isRefusal(answer: object): answer is PageRefusal {
  return (answer as Partial<PageRefusal>).refused === true;
}

/**
 * Answers a refused link: a page for the consumer's browser, or the API's error shape to a client that asks for
 * JSON; either way the status and the machine-readable `failureCode` (also in the `X-Failure-Code` header).
 */
export function sendRefusal(response: Response, { status, failureCode, failureMessage }: PageRefusal): void {
  response.status(status).setHeader('X-Failure-Code', failureCode);
  response.setHeader('Cache-Control', 'no-store');
  response.format({
    'text/html': () => void response.type('html').send(renderRefusedPage(failureCode, failureMessage)),
    'application/json': () => void response.json({ status, failureCode, failureMessage }),
    default: () => void response.type('html').send(renderRefusedPage(failureCode, failureMessage)),
  });
}
