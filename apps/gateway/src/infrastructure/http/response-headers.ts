import type { FastifyInstance } from 'fastify';

/**
 * Headers on every answer of the gateway, errors and the ones Fastify or Node give before any route included.
 * `Cache-Control: no-store`: an answer carries a merchant's payments (and, once, a new secret), so no browser, proxy or
 * CDN between the merchant and us may keep a copy. `X-Content-Type-Options: nosniff`: a JSON answer is never run
 * as a script or shown as HTML, whatever a client guesses from its bytes.
 */
export const API_RESPONSE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

/** Puts API_RESPONSE_HEADERS on each answer as its request arrives (before any hook may answer it). */
export function registerApiResponseHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(API_RESPONSE_HEADERS);
    done();
  });
}
