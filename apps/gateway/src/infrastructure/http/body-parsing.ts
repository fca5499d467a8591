import type { FastifyInstance, FastifyReply } from 'fastify';
import { parse as parseJson } from 'secure-json-parse';
import { ApiError } from './api-error';

/**
 * JSON bodies only, up to a limit, parsed by Fastify before Nest routes (the only content-type parser registered:
 * any other media type with a body is a 415). The body must be a JSON object; a POST without a body gets `{}`.
 * `__proto__` and `constructor.prototype` keys are refused (400 invalid_json), so no body can reach an object's
 * prototype through a merge or a spread further on.
 * A parser failure reaches HttpErrorFilter as an ApiError, or as one of Fastify's errors that `bodyParsingError`
 * names, so it is answered in the API's error shape.
 */
export function registerJsonBodyParsing(fastify: FastifyInstance, limitBytes: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: limitBytes },
    (_request, text: string | Buffer, done) => {
      if (text.length === 0) return done(null, {});
      let body: unknown;
      try {
        body = parseJson(text as string, undefined, { protoAction: 'error', constructorAction: 'error' });
      } catch (error) {
        const forbidden = /forbidden prototype property/.test((error as Error).message);
        return done(
          new ApiError(
            400,
            'invalid_json',
            forbidden
              ? 'The request body may not set __proto__ or constructor.prototype'
              : 'The request body is not valid JSON',
          ),
        );
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return done(new ApiError(400, 'invalid_request', 'The request body must be a JSON object'));
      }
      done(null, body);
    },
  );
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
    done();
  });
}

/** Fastify's own errors before a route runs (body too large, wrong media type, bad framing) in the API's terms. */
export function bodyParsingError(error: unknown): ApiError | undefined {
  switch ((error as { code?: unknown } | null)?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', 'The request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 'invalid_request', 'The request body does not match its Content-Length');
    default:
      return undefined;
  }
}

/**
 * Fastify's own refusals before any hook or route runs (a URL that does not decode, say), answered in the API's
 * error shape with a correlation id like every other answer.
 */
export function frameworkErrorReply(now: () => Date, newCorrelationId: () => string) {
  return (error: { message: string }, _request: unknown, reply: FastifyReply): void => {
    void reply
      .status(400)
      .header('X-Correlation-Id', newCorrelationId())
      .send(new ApiError(400, 'invalid_url', 'The request URL is malformed').toBody(now()));
  };
}
