import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { newId } from '@payment-ledger/contracts';
import { JsonLogger, registerFastifyAccessLog, type ServiceModuleOptions, systemClock } from '@payment-ledger/platform';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { registerAddressRateLimit } from './infrastructure/http/address-rate-limit';
import { registerJsonBodyParsing } from './infrastructure/http/body-parsing';
import { registerCorrelation } from './infrastructure/http/correlation';
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
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forRoot(config, options),
    new FastifyAdapter({
      bodyLimit: config.GATEWAY_BODY_LIMIT_BYTES,
      // While it closes, a request already on a keep-alive connection is still served (with `Connection: close`, so
      // its client reconnects to another replica) rather than answered with fastify's bare 503 body, which is not an
      // ApiError; new connections are refused and idle ones closed.
      return503OnClosing: false,
      trustProxy: config.GATEWAY_TRUSTED_PROXIES.length > 0 ? config.GATEWAY_TRUSTED_PROXIES : false,
      frameworkErrors: frameworkErrorReply(
        () => (options.clock ?? systemClock).now(),
        () => newId('event'),
      ),
    }),
    { bodyParser: false, bufferLogs: true },
  );
  app.useLogger(app.get(JsonLogger));
  const fastify = app.getHttpAdapter().getInstance();
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
