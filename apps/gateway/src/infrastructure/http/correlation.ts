import type { FastifyInstance } from 'fastify';
import { newId } from '@payment-ledger/contracts';
import { CORRELATION_HEADER, correlationIdOf, withLogContext } from '@payment-ledger/platform';

declare module 'fastify' {
  interface FastifyRequest {
    correlationId: string;
  }
}

/**
 * Every request has a correlation id (the caller's `X-Correlation-Id`, or a new one), echoed back on every answer,
 * errors included. The route runs in that log context: it is entered in `preHandler`, the last hook before the
 * route, because the body is read between `onRequest` and there, in the socket's async context, not the request's.
 */
export function registerCorrelation(fastify: FastifyInstance): void {
  fastify.decorateRequest('correlationId', '');
  fastify.addHook('onRequest', (request, reply, done) => {
    request.correlationId = correlationIdOf(request.headers[CORRELATION_HEADER], () => newId('event'));
    reply.header('X-Correlation-Id', request.correlationId);
    done();
  });
  fastify.addHook('preHandler', (request, _reply, done) => {
    withLogContext({ correlationId: request.correlationId }, done);
  });
}
