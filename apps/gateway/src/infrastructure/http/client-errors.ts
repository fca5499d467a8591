import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { newId } from '@payment-ledger/contracts';
import { ApiError } from './api-error';
import { API_RESPONSE_HEADERS } from './response-headers';

/**
 * Requests Node's HTTP parser refuses before Fastify sees them, answered in the API's error shape rather than
 * Fastify's `{"error":"Bad Request","message":"Client Error"}`: a header name or value with a control character
 * (a NUL included) is `invalid_characters`, a URL with one `invalid_url`, too many header bytes 431, a request
 * too slow to arrive 408, anything else that is not HTTP `malformed_request`.
 *
 * It replaces the listener Fastify put on the server for its own answer. (FastifyAdapter's `clientErrorHandler`
 * option would be the tidier home; gateway.app.ts builds the adapter.) The clock is the system's: the request never
 * reached the application and its injected clock.
 */
export function answerClientErrorsInApiShape(fastify: FastifyInstance): void {
  fastify.server.removeAllListeners('clientError');
  fastify.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const apiError = clientError(error.code);
      const body = JSON.stringify(apiError.toBody(new Date()));
      socket.write(
        `HTTP/1.1 ${apiError.getStatus()} ${STATUS_TEXT[apiError.getStatus()]}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          Object.entries(API_RESPONSE_HEADERS)
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('') +
          `X-Correlation-Id: ${newId('event')}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  });
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

function clientError(code: string | undefined): ApiError {
  switch (code) {
    case 'HPE_INVALID_HEADER_TOKEN':
      return new ApiError(
        400,
        'invalid_characters',
        'A header name or value holds a character HTTP does not allow there (a control character)',
      );
    case 'HPE_INVALID_URL':
      return new ApiError(400, 'invalid_url', 'The request URL is malformed');
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, 'headers_too_large', 'The request headers are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new ApiError(408, 'request_timeout', 'The request took too long to arrive');
    default:
      return new ApiError(400, 'malformed_request', 'The request is not valid HTTP');
  }
}
