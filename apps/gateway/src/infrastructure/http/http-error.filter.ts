import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import type { FailureCode } from '@payment-ledger/contracts';
import { ApiError } from './api-error';
import { API_RESPONSE_HEADERS } from './response-headers';

/** The code of a framework refusal (Nest's HttpException, Fastify's 4xx before a route) with this status. */
const CODES_BY_STATUS: Readonly<Record<number, FailureCode>> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
};

/** Every error leaves the gateway in the API's error shape; unexpected ones are logged and become a bare 500. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const apiError = this.toApiError(error);
    if (reply.sent) return;
    sendApiError(reply, apiError, this.clock.now());
  }

  private toApiError(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const code = CODES_BY_STATUS[status];
      if (code) return new ApiError(status, code, error.message);
      if (status < 500) return new ApiError(400, 'bad_request', error.message);
    }
    const beforeRoute = this.clientError(error);
    if (beforeRoute) return beforeRoute;
    this.logger.event('error', 'gateway.unhandled_error', { error });
    return new ApiError(500, 'internal_error', 'Internal error');
  }

  /** A 4xx Fastify raises before a route (body too large, unsupported media type) keeps its status. */
  private clientError(error: unknown): ApiError | undefined {
    const status = (error as { statusCode?: unknown } | null)?.statusCode;
    if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
    const code = CODES_BY_STATUS[status];
    return code
      ? new ApiError(status, code, (error as Error).message)
      : new ApiError(400, 'bad_request', (error as Error).message);
  }
}

/** An ApiError as the answer: its status, its headers (Retry-After among them) and its body. */
export function sendApiError(reply: FastifyReply, error: ApiError, now: Date): void {
  if (error.retryAfterSeconds !== undefined) void reply.header('Retry-After', String(error.retryAfterSeconds));
  // Also for refusals made before any hook ran (frameworkErrorReply), which registerApiResponseHeaders never saw.
  void reply
    .headers({ ...API_RESPONSE_HEADERS, ...error.headers })
    .status(error.getStatus())
    .send(error.toBody(now));
}

/**
 * Fastify's refusals before any hook or route runs, answered in the API's error shape with a correlation id like every
 * other answer, each by what went wrong: a URL that does not decode is `invalid_url` (400), a path segment longer than
 * the router takes (an id of more than 100 characters) `url_too_long` (414). A refusal of another kind keeps its
 * status (a 5xx logged as unexpected), so a new one is never passed off as a malformed URL.
 */
export function frameworkErrorReply(
  now: () => Date,
  newCorrelationId: () => string,
  logger: () => JsonLogger | undefined,
) {
  return (error: unknown, _request: unknown, reply: FastifyReply): void => {
    const apiError = frameworkError(error);
    if (apiError.getStatus() >= 500) logger()?.event('error', 'gateway.unhandled_error', { error });
    sendApiError(reply.header('X-Correlation-Id', newCorrelationId()), apiError, now());
  };
}

function frameworkError(error: unknown): ApiError {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (code === 'FST_ERR_BAD_URL') return new ApiError(400, 'invalid_url', 'The request URL is malformed');
  if (code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new ApiError(414, 'url_too_long', 'A path segment of the URL is longer than 100 characters');
  }
  const status = typeof statusCode === 'number' ? statusCode : 500;
  const known = CODES_BY_STATUS[status];
  if (known) return new ApiError(status, known, (error as Error).message);
  return status < 500
    ? new ApiError(400, 'bad_request', 'The request was refused before it reached a route')
    : new ApiError(500, 'internal_error', 'Internal error');
}
