import type { FastifyInstance } from 'fastify';
import { parse as parseJson } from 'secure-json-parse';
import { ApiError } from './api-error';
import { answerClientErrorsInApiShape } from './client-errors';
import { checkJsonText } from './text-rules';

/**
 * JSON bodies only, up to a limit, parsed by Fastify before Nest routes (and text/plain on the provider's
 * notification routes only; any other media type with a body is a 415). The body must be a JSON object; a POST without a body gets `{}`.
 * `__proto__` and `constructor.prototype` keys are refused (400 invalid_json), so no body can reach an object's
 * prototype through a merge or a spread further on. A body nested deeper than 32 levels (400 invalid_json_depth) or
 * holding a NUL or an unpaired surrogate in any key or string (400 invalid_characters) is refused here, before any
 * code recurses into it or stores it (see text-rules.ts).
 * A parser failure reaches HttpErrorFilter as an ApiError, or as one of Fastify's 4xx errors (413 body too large,
 * 415 media type), so it is answered in the API's error shape.
 */
/** The routes that take a text/plain body: the payment provider's notifications. */
export const TEXT_BODY_PATH_PREFIX = '/v1/provider-notifications/';

export function registerJsonBodyParsing(fastify: FastifyInstance, limitBytes: number): void {
  // Requests that do not even parse as HTTP (a NUL in a header) are refused in the API's shape too.
  answerClientErrorsInApiShape(fastify);
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
      try {
        checkJsonText(body);
      } catch (error) {
        return done(error as ApiError);
      }
      done(null, body);
    },
  );
  // The payment provider posts its notifications as text/plain (Amazon Pay's IPNs are SNS messages): taken on those
  // routes only, as the string that came, since the provider's signature is over exactly those characters (the
  // webhooks service checks it, then parses). Anywhere else text/plain is the 415 it always was.
  fastify.addContentTypeParser(
    'text/plain',
    { parseAs: 'string', bodyLimit: limitBytes },
    (request, text: string | Buffer, done) => {
      if (!request.url.startsWith(TEXT_BODY_PATH_PREFIX)) {
        return done(new ApiError(415, 'unsupported_media_type', 'The request body must be application/json'));
      }
      done(null, String(text));
    },
  );
  fastify.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
    done();
  });
}
