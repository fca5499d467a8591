import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { CLOCK, type Clock, JsonLogger } from '@payment-ledger/platform';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { jsonBodyParsing } from './infrastructure/http/body-parsing';
import { correlation } from './infrastructure/http/correlation';
import { apiValidationPipe } from './infrastructure/http/validation';

/** Builds the gateway application (used by main.ts and by tests), not yet listening. */
export async function createGatewayApp(
  config: GatewayConfig,
  options: { clock?: Clock } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config, options), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(JsonLogger));
  app.disable('x-powered-by');
  app.set('etag', false);
  const clock = app.get<Clock>(CLOCK);
  app.use(correlation);
  app.use(...jsonBodyParsing(config.GATEWAY_BODY_LIMIT_BYTES, () => clock.now()));
  app.useGlobalPipes(apiValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('payment-ledger gateway')
      .setDescription(
        'Payment charges over an event-sourced ledger. Field names, statuses and rules follow the public ' +
          'payment-charges API (Amazon Pay first). Amounts are integer minor units.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Your API key: sk_sandbox_…' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  return app;
}
