import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { httpRequestDuration } from './metrics';

/** The route label of a request no route matched: its raw URL could carry ids or tokens, and has no bound. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Records one answered request (route: the template the framework matched, or undefined). */
export function recordHttpRequest(method: string, route: string | undefined, status: number, seconds: number): void {
  httpRequestDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status: String(status) }, seconds);
}

interface FastifyLike {
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; routeOptions?: { url?: string } },
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): unknown;
}

interface ExpressRequest {
  method: string;
  baseUrl?: string;
  route?: { path?: unknown };
}
interface ExpressResponse {
  statusCode: number;
  once(event: 'finish', listener: () => void): unknown;
}
interface ExpressLike {
  use(middleware: (request: ExpressRequest, response: ExpressResponse, next: () => void) => void): unknown;
}

/**
 * Counts every request an HTTP app answers (payment_ledger_http_request_duration_seconds) by the route template the
 * framework matched (`/v1/payment-charges/:id`, never the URL with its ids and tokens), whatever answered it: a
 * controller, a guard, the rate limit, a framework error. Fastify (the gateway): an `onResponse` hook, with the
 * request's elapsed time as Fastify measures it. Express (the sandbox page): a middleware that waits for `finish`.
 * Installed when the app's modules are built (HealthModule.forHttp provides it), before any route is registered.
 */
@Injectable()
export class HttpMetrics {
  constructor(adapterHost: HttpAdapterHost) {
    const adapter = adapterHost.httpAdapter;
    if (!adapter) return; // not an HTTP app
    instrumentHttpServer(adapter.getType(), adapter.getInstance());
  }
}

export function instrumentHttpServer(type: string, instance: unknown): void {
  if (type === 'fastify') {
    (instance as FastifyLike).addHook('onResponse', (request, reply, done) => {
      recordHttpRequest(request.method, request.routeOptions?.url, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  } else if (type === 'express') {
    (instance as ExpressLike).use((request, response, next) => {
      const started = process.hrtime.bigint();
      response.once('finish', () => {
        const path = request.route?.path;
        const route = typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` : undefined;
        recordHttpRequest(request.method, route, response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    });
  } else {
    throw new Error(`HttpMetrics: no instrumentation for a ${type} app`);
  }
}
