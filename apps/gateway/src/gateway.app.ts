import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { newId } from '@payment-ledger/contracts';
import { JsonLogger, registerFastifyAccessLog, type ServiceModuleOptions, systemClock } from '@payment-ledger/platform';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { registerAddressRateLimit } from './infrastructure/http/address-rate-limit';
import { registerJsonBodyParsing } from './infrastructure/http/body-parsing';
import { registerCorrelation } from './infrastructure/http/correlation';
import { registerApiResponseHeaders } from './infrastructure/http/response-headers';
import { frameworkErrorReply } from './infrastructure/http/http-error.filter';
import { createApiDocument, registerApiDocs } from './infrastructure/http/openapi/api-document';
import { apiValidationPipe } from './infrastructure/http/validation';

/**
 * Builds the gateway application (used by main.ts and by tests), not yet listening.
 *
 * HTTP runs on Fastify rather than Express: on the same Nest controllers, guards and pipes, a create-charge request
 * cost the gateway about half the CPU of Express's router and body parser (0.137 against 0.27 ms per request in a
 * bare Nest app on this machine), and the gateway is the busiest process on the create path. The API document and
 * its reference page are served by two plain routes (openapi/api-document.ts).
 */
export async function createGatewayApp(
  config: GatewayConfig,
  options: ServiceModuleOptions = {},
): Promise<NestFastifyApplication> {
  if (config.GATEWAY_LIST_WAIT_MS + 100 > config.SERVICE_CALL_TIMEOUT_MS) {
    // A list waits for its read model inside the service call: a wait as long as the call's timeout would be a 503.
    throw new Error('GATEWAY_LIST_WAIT_MS must be at least 100 ms below SERVICE_CALL_TIMEOUT_MS');
  }
  if (config.GATEWAY_HEADERS_TIMEOUT_MS > config.GATEWAY_REQUEST_TIMEOUT_MS) {
    throw new Error('GATEWAY_HEADERS_TIMEOUT_MS must not be above GATEWAY_REQUEST_TIMEOUT_MS');
  }
  if (config.GATEWAY_CONNECTION_TIMEOUT_MS <= config.SERVICE_CALL_TIMEOUT_MS) {
    // A connection silent while the gateway waits for a service would be cut before the service's 503 could be sent.
    throw new Error('GATEWAY_CONNECTION_TIMEOUT_MS must be above SERVICE_CALL_TIMEOUT_MS');
  }
  // The app's logger, for refusals Fastify answers itself; the adapter is made before the app that holds it.
  const appLogger: { current?: JsonLogger } = {};
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(config, options),
    new FastifyAdapter({
      bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES,
      ...httpTimeouts(config),
      // While it closes, a request already on a keep-alive connection is still served (with `Connection: close`, so
      // its client reconnects to another replica) rather than answered with fastify's bare 503 body, which is not an
      // ApiError; new connections are refused and idle ones closed.
      return503OnClosing: false,
      trustProxy: config.GATEWAY_TRUSTED_PROXIES.length > 0 ? config.GATEWAY_TRUSTED_PROXIES : false,
      frameworkErrors: frameworkErrorReply(
        () => (options.clock ?? systemClock).now(),
        () => newId('event'),
        () => appLogger.current,
      ),
    }),
    { bodyParser: false, bufferLogs: true },
  );
  const logger = app.get(JsonLogger);
  appLogger.current = logger;
  app.useLogger(logger);
  const fastify = app.getHttpAdapter().getInstance();
  registerApiResponseHeaders(fastify);
  registerCorrelation(fastify);
  registerFastifyAccessLog(fastify, app.get(JsonLogger));
  if (config.GATEWAY_RATE_LIMIT_PER_ADDRESS > 0) {
    registerAddressRateLimit(
      fastify,
      { ratePerSecond: config.GATEWAY_RATE_LIMIT_PER_ADDRESS, burst: config.GATEWAY_RATE_LIMIT_ADDRESS_BURST },
      () => (options.clock ?? systemClock).now(),
    );
  }
  registerJsonBodyParsing(fastify, config.GATEWAY_BODY_LIMIT_BYTES);
  app.useGlobalPipes(apiValidationPipe());

  registerApiDocs(fastify, createApiDocument(app, { listWaitMs: config.GATEWAY_LIST_WAIT_MS }));
  return app;
}

/**
 * The HTTP server's timeouts (a slow or silent client must not hold a socket): Node answers a request whose headers or
 * whole body are late with a 408 (client-errors.ts puts it in the API's shape). Node looks for late requests every
 * `connectionsCheckingInterval` (30 s by default), so it is made a fraction of the headers timeout: a late client is
 * answered within a second of its deadline rather than up to half a minute after it.
 */
function httpTimeouts(config: GatewayConfig) {
  return {
    requestTimeout: config.GATEWAY_REQUEST_TIMEOUT_MS,
    connectionTimeout: config.GATEWAY_CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
    http: {
      headersTimeout: config.GATEWAY_HEADERS_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(1_000, Math.ceil(config.GATEWAY_HEADERS_TIMEOUT_MS / 4)),
    },
  };
}
