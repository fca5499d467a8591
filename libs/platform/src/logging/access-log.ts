import { recordHttpRequest, UNMATCHED_ROUTE } from '../metrics/http-metrics';
import { withLogContext, type JsonLogger } from './json-logger';

/** The header a caller names the work's correlation id in; every answer carries it back. */
export const CORRELATION_HEADER = 'x-correlation-id';

/** The caller's correlation id when it is a plain short token (it is logged and stored), else a fresh one. */
export function correlationIdOf(given: unknown, fresh: () => string): string {
  return typeof given === 'string' && /^[\w.:-]{1,100}$/.test(given) ? given : fresh();
}

/** Probes and scrapes, asked every few seconds by the orchestrator: logged at debug only, so they do not flood. */
function isProbe(route: string): boolean {
  return route.startsWith('/health/') || route === '/metrics';
}

export interface AccessLogEntry {
  method: string;
  /** The route template the framework matched (`/v1/payment-charges/:id`): never the URL, its query or its tokens. */
  route: string | undefined;
  status: number;
  durationMs: number;
  correlationId?: string;
  merchantId?: string;
}

/**
 * What the one hook on answered requests does (registerFastifyAccessLog, expressRequestLogging): counts the request
 * in the HTTP metrics, and writes one line, `http.request`: method, route template, status, duration, correlation id
 * and the merchant when known. No URL, query string, body or header: a hosted-page link carries its signed token in
 * its query, and the API's callers send their key in a header.
 */
export function logAccess(logger: JsonLogger, entry: AccessLogEntry): void {
  recordHttpRequest(entry.method, entry.route, entry.status, entry.durationMs / 1000);
  const route = entry.route ?? UNMATCHED_ROUTE;
  logger.event(isProbe(route) ? 'debug' : 'info', 'http.request', {
    method: entry.method,
    route,
    status: entry.status,
    durationMs: Math.round(entry.durationMs * 100) / 100,
    ...(entry.correlationId ? { correlationId: entry.correlationId } : {}),
    ...(entry.merchantId ? { merchantId: entry.merchantId } : {}),
  });
}

interface FastifyLike {
  addHook(
    name: 'onResponse',
    hook: (
      request: { method: string; routeOptions?: { url?: string }; correlationId?: string; merchant?: { id?: string } },
      reply: { statusCode: number; elapsedTime: number },
      done: () => void,
    ) => void,
  ): unknown;
}

/**
 * The access log of a Fastify app (the gateway): an `onResponse` hook, so every answer is logged whatever gave it (a
 * controller, a guard, the rate limit, a framework error). The correlation id and merchant are what the request
 * was given by the correlation hook and the API key guard.
 */
export function registerFastifyAccessLog(fastify: unknown, logger: JsonLogger): void {
  (fastify as FastifyLike).addHook('onResponse', (request, reply, done) => {
    logAccess(logger, {
      method: request.method,
      route: request.routeOptions?.url,
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      correlationId: request.correlationId,
      merchantId: request.merchant?.id,
    });
    done();
  });
}

interface ExpressRequest {
  method: string;
  baseUrl?: string;
  route?: { path?: unknown };
  headers: Record<string, string | string[] | undefined>;
  correlationId?: string;
}
interface ExpressResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  once(event: 'close', listener: () => void): unknown;
}
type ExpressMiddleware = (request: ExpressRequest, response: ExpressResponse, next: () => void) => void;

/**
 * The correlation id and access log of an Express app (the sandbox page), in two middlewares. `accessLog`, first of
 * all: gives the request its correlation id (the caller's `X-Correlation-Id` or a fresh one, echoed back) and, when
 * its response closes (sent, or the client gone), writes its access line, whatever answered it. `logContext`, after
 * the body parser: runs the rest of the request in the log context of that id (entered after the parser because the
 * body is read in the socket's async context, not the request's).
 */
export function expressRequestLogging(
  logger: JsonLogger,
  freshCorrelationId: () => string,
): { accessLog: ExpressMiddleware; logContext: ExpressMiddleware } {
  return {
    accessLog: (request, response, next) => {
      const started = process.hrtime.bigint();
      const correlationId = correlationIdOf(request.headers[CORRELATION_HEADER], freshCorrelationId);
      request.correlationId = correlationId;
      response.setHeader('X-Correlation-Id', correlationId);
      response.once('close', () => {
        const path = request.route?.path;
        logAccess(logger, {
          method: request.method,
          route: typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` : undefined,
          status: response.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          correlationId,
        });
      });
      next();
    },
    logContext: (request, _response, next) => withLogContext({ correlationId: request.correlationId }, next),
  };
}
