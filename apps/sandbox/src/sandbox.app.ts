import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { newId } from '@payment-ledger/contracts';
import { expressRequestLogging, JsonLogger, type ServiceModuleOptions } from '@payment-ledger/platform';
import type { SandboxConfig } from './sandbox.config';
import { SandboxModule } from './sandbox.module';
import { PageRoutingErrorFilter } from './infrastructure/page-routing-error.filter';
import { pageFormParser } from './infrastructure/provider-page';
import { pageSecurityHeaders } from './infrastructure/page-security-headers';

/** Builds the sandbox page's app (Express: small HTML forms), not yet listening. */
export async function createSandboxApp(
  config: SandboxConfig,
  options: Pick<ServiceModuleOptions, 'logSink'> = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(SandboxModule.forRoot(config, options), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(JsonLogger));
  app.disable('x-powered-by');
  const requestLogging = expressRequestLogging(app.get(JsonLogger), () => newId('event'));
  app.use(pageSecurityHeaders);
  app.use(requestLogging.accessLog);
  app.use(pageFormParser());
  app.use(requestLogging.logContext);
  app.useGlobalFilters(new PageRoutingErrorFilter());
  return app;
}
