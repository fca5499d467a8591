import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Response } from 'express';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import { ApiError } from './api-error';

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/** Every error leaves the gateway in the API's error shape; unexpected ones are logged and become a bare 500. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly logger: JsonLogger,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const apiError = this.toApiError(error);
    if (response.headersSent) return;
    response.status(apiError.getStatus()).json(apiError.toBody(this.clock.now()));
  }

  private toApiError(error: unknown): ApiError {
    if (error instanceof ApiError) return error;
    if (error instanceof HttpException) {
      const status = error.getStatus();
      return new ApiError(status, CODES_BY_STATUS[status] ?? 'http_error', error.message);
    }
    this.logger.event('error', 'gateway.unhandled_error', { error });
    return new ApiError(500, 'internal_error', 'Internal error');
  }
}
