import type { FastifyInstance } from 'fastify';
import { parse as parseJson } from 'secure-json-parse';
import { ApiError } from './api-error';

/**
 * JSON bodies only, up to a limit, parsed by Fastify before Nest routes (the only content-type parser registered:
 * any other media type with a body is a 415). The body must be a JSON object; a POST without a body gets `{}`.
 * `__proto__` and `constructor.prototype` keys are refused (400 invalid_json), so no body can reach an object's
 * prototype through a merge or a spread further on.
 * A parser failure reaches HttpErrorFilter as an ApiError, or as one of Fastify's 4xx errors (413 body too large,
 * 415 media type), so it is answered in the API's error shape.
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
