import {
  BadRequestException,
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  NotFoundException,
} from '@nestjs/common';
import type { Response } from 'express';
import { INVALID_LINK, sendRefusal } from './provider-page';

/**
 * The router's refusals before a page's handler runs: a path that names no page (404) or does not decode (Express's
 * URIError, which Nest makes a 400). Neither is a link the sandbox made, so each is answered as an invalid link is
 * (404 `hosted_page_link_invalid`, with X-Failure-Code), not in Nest's bare JSON without a code. (Unreadable forms
 * are refused by the form parser, pageFormParser; the handlers answer everything else themselves.)
 */
@Catch(NotFoundException, BadRequestException)
export class PageRoutingErrorFilter implements ExceptionFilter {
  catch(_error: unknown, host: ArgumentsHost): void {
    sendRefusal(host.switchToHttp().getResponse<Response>(), INVALID_LINK);
  }
}
