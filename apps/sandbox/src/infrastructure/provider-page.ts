import { type RequestHandler, type Response, urlencoded } from 'express';
import { FAILURE_CODES, newId } from '@payment-ledger/contracts';
import { currentLogContext } from '@payment-ledger/platform';
import { RemoteCallError, type RpcClient } from '@payment-ledger/rpc';
import { renderRefusedPage } from '../domain/hosted-page.view';

/** A provider page's form as posted: absent when the POST had no url-encoded body (none, or another media type). */
export type ConsumerForm = { token?: unknown; decision?: unknown } | undefined;

/** What the consumer chose on a provider page's form; undefined for anything else, a missing form included. */
export function consumerDecision(form: ConsumerForm): 'APPROVE' | 'CANCEL' | undefined {
  return form?.decision === 'APPROVE' || form?.decision === 'CANCEL' ? form.decision : undefined;
}

/** The link's token the form carried back ('' without one: the owning service refuses it as an invalid link). */
export function formToken(form: ConsumerForm): string {
  return typeof form?.token === 'string' ? form.token : '';
}

/**
 * Why a page refuses a request (a link that does not open it, a form without a choice): its failure code
 * (libs/contracts failure-codes.ts), status and message.
 */
export interface PageRefusal {
  refused: true;
  status: number;
  failureCode: 'hosted_page_link_invalid' | 'hosted_page_link_expired' | 'hosted_page_form_invalid';
  failureMessage: string;
}

/**
 * The pages' form parser (url-encoded, up to 8 KiB): a form it cannot read (too large, too many fields, a charset or
 * encoding it does not know) is the page's 400 `hosted_page_form_invalid`, where Nest would answer body-parser's
 * error as a 500.
 */
export function pageFormParser(): RequestHandler {
  const parse = urlencoded({ extended: false, limit: '8kb' });
  return (request, response, next) =>
    parse(request, response, (error?: unknown) => (error ? sendRefusal(response, INVALID_FORM) : next()));
}

/** A POST whose form does not choose APPROVE or CANCEL (no form at all included): nothing is asked of the service. */
export const INVALID_FORM: PageRefusal = {
  refused: true,
  status: FAILURE_CODES.hosted_page_form_invalid.status,
  failureCode: 'hosted_page_form_invalid',
  failureMessage: 'The form must choose to pay or to cancel',
};

export const INVALID_LINK: PageRefusal = {
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
